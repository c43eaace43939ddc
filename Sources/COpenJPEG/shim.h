#ifndef SIXRAY_COPENJPEG_SHIM_H
#define SIXRAY_COPENJPEG_SHIM_H
#include <openjpeg.h>
#endif
