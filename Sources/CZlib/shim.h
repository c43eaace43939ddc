#ifndef SIXRAY_CZLIB_SHIM_H
#define SIXRAY_CZLIB_SHIM_H
#include <zlib.h>
#endif
