#ifndef SIXRAY_CCHARLS_SHIM_H
#define SIXRAY_CCHARLS_SHIM_H
#include <charls/charls.h>
#endif
