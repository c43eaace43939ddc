import Testing
@testable import DICOMCodecs
