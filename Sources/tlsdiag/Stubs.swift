import ArgumentParser

