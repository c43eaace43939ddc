import Testing
@testable import Imaging

@Test func displayImageHoldsItsPixels() {
    let image = DisplayImage(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
    #expect(image.pixels.count == 6)
}
