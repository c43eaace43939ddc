#ifndef SIXRAY_CJPEG_SHIM_H
#define SIXRAY_CJPEG_SHIM_H
// libjpeg reports errors through longjmp, which Swift cannot call across.
// Decoding therefore goes through static inline C helpers declared here that own the
// setjmp buffer; Swift sees only plain functions that return an error code.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#endif
