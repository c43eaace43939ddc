#ifndef SIXRAY_CNCURSESW_SHIM_H
#define SIXRAY_CNCURSESW_SHIM_H
// Wide-character ncurses; the feature macro must precede the header.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/ncurses.h>

// Attribute and mouse macros are expressions Swift cannot import; these expose their values.
static inline attr_t sixray_a_bold(void) { return A_BOLD; }
static inline attr_t sixray_a_dim(void) { return A_DIM; }
static inline attr_t sixray_a_underline(void) { return A_UNDERLINE; }
static inline attr_t sixray_a_reverse(void) { return A_REVERSE; }
static inline attr_t sixray_a_italic(void) { return A_ITALIC; }
static inline attr_t sixray_a_normal(void) { return A_NORMAL; }

static inline mmask_t sixray_mouse_all(void) { return ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION; }
static inline mmask_t sixray_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t sixray_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t sixray_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t sixray_button2_pressed(void) { return BUTTON2_PRESSED; }
static inline mmask_t sixray_button3_pressed(void) { return BUTTON3_PRESSED; }
static inline mmask_t sixray_button3_released(void) { return BUTTON3_RELEASED; }
static inline mmask_t sixray_button4_pressed(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
static inline mmask_t sixray_button5_pressed(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t sixray_button5_pressed(void) { return 0; }
#endif
static inline mmask_t sixray_report_position(void) { return REPORT_MOUSE_POSITION; }
static inline mmask_t sixray_button_shift(void) { return BUTTON_SHIFT; }
static inline mmask_t sixray_button_ctrl(void) { return BUTTON_CTRL; }

// ncurses globals, read through functions so Swift's strict concurrency sees no shared state.
static inline WINDOW *sixray_stdscr(void) { return stdscr; }
static inline WINDOW *sixray_curscr(void) { return curscr; }
static inline int sixray_colors(void) { return COLORS; }
static inline int sixray_color_pairs(void) { return COLOR_PAIRS; }
static inline FILE *sixray_stdin(void) { return stdin; }
static inline FILE *sixray_stdout(void) { return stdout; }

/// One key from get_wch: returns OK (a character in *wch), KEY_CODE_YES (a KEY_* in *wch) or ERR.
static inline int sixray_get_wch(wint_t *wch) { return get_wch(wch); }

/// Writes one UTF-8 string at (y, x) with attributes and a colour pair.
static inline int sixray_put(int y, int x, const char *utf8, attr_t attrs, int pair) {
    wattr_set(stdscr, attrs, (short)(pair < 32767 ? pair : 0), pair >= 32767 ? (void *)&pair : NULL);
    return mvaddstr(y, x, utf8);
}
#endif
