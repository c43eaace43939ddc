// StudyStore: local cache (SQLite index via GRDB + private file store), import, eviction, priors.
// Not yet built: the cache issue brings the code and the GRDB dependency.
import DICOMCore

/// Namespace for the local study cache; filled by the cache issue.
public enum StudyStore {}
