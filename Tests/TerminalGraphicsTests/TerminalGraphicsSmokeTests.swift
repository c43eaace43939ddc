import Testing
@testable import TerminalGraphics
