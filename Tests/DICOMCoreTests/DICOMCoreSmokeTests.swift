import Testing
@testable import DICOMCore
