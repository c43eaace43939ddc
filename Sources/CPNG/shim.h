#ifndef SIXRAY_CPNG_SHIM_H
#define SIXRAY_CPNG_SHIM_H
#include <png.h>
#endif
