// The scan is `static inline` in include/CJSONScan.h (compiled into its Swift callers); a C target
// needs one source file.
#include "CJSONScan.h"
