#ifndef SIXRAY_CSIXEL_SHIM_H
#define SIXRAY_CSIXEL_SHIM_H
#include <sixel.h>
#endif
