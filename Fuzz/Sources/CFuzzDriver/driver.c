// Only the header matters (LLVMFuzzerRunDriver comes from libFuzzer); SwiftPM wants one source file.
#include "CFuzzDriver.h"
