// Workstation: app state, actions, reducer, effects, hanging protocols, sync.
// Not yet built: the TUI issue brings it.
import DICOMCore

/// Namespace for the workstation logic; filled by the TUI issue.
public enum Workstation {}
