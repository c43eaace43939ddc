// TerminalUI: cell buffer, layout, widgets, themes, keymaps, ncurses backend.
// Not yet built: the TUI issue brings it.
import TerminalGraphics

/// Namespace for the terminal UI; filled by the TUI issue.
public enum TerminalUI {}
