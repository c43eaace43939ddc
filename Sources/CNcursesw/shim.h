#ifndef SIXRAY_CNCURSESW_SHIM_H
#define SIXRAY_CNCURSESW_SHIM_H
// Wide-character ncurses; the feature macro must precede the header.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/ncurses.h>
#endif
