// DICOMweb: QIDO-RS / WADO-RS / STOW-RS client.
// Not yet built: the DICOMweb issue brings the code and the AsyncHTTPClient dependency.
import DICOMCore

/// Namespace for the DICOMweb client; filled by the DICOMweb issue.
public enum DICOMweb {}
