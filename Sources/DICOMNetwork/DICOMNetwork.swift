// DICOMNetwork: upper layer PDUs, association state machine, DIMSE, SCU/SCP on SwiftNIO.
// Not yet built: the networking issue brings the code and the NIO dependency.
import DICOMCore

/// Namespace for the networking layer; filled by the networking issue.
public enum DICOMNetwork {}
