/*
 * Vigie: photos are re-encoded in the browser before encryption.
 *
 * Why: a phone photo carries EXIF metadata (GPS position, date, camera serial
 * number) that can identify the person who took it. Decoding the image and
 * drawing its pixels onto a canvas, then encoding a new JPEG, keeps only the
 * pixels: no EXIF, XMP, ICC comment or thumbnail survives. The image is also
 * downscaled (long side <= 2048 px, JPEG quality 0.6), which keeps tips small
 * on a poor network.
 *
 * Exposed as window.vigiePhotos.reencode(file) -> {type, data, width, height}.
 */
(function () {
  "use strict";

  // Measured by bench/photos.py (docs/form.md, "Photo size and quality"): on
  // seeded 12 MP street scenes, 2048 px at quality 0.6 gives 151 kB a photo
  // against 218 kB at the former 1600 px / 0.85 (0.69x), while tesseract still
  // reads as many plates at 10 m (0.88 of 24, as before) and far more at 15 m
  // (0.67 against 0.12), OpenCV still finds every face at 5 m (24 of 24) and
  // the faces' SSIM stays 0.87. Below 1600 px the 10 m plates are lost
  // (1280 px: 0.54-0.67). Lower qualities only if a photo would not fit.
  var MAX_SIDE = 2048;
  var QUALITIES = [0.6, 0.5, 0.4];

  function fit(width, height, maxSide) {
    var scale = Math.min(1, maxSide / Math.max(width, height));
    return {
      width: Math.max(1, Math.round(width * scale)),
      height: Math.max(1, Math.round(height * scale)),
    };
  }

  async function toJpeg(bitmap, size, quality) {
    var canvas, blob;
    if (typeof OffscreenCanvas !== "undefined") {
      canvas = new OffscreenCanvas(size.width, size.height);
    } else {
      canvas = document.createElement("canvas");
      canvas.width = size.width;
      canvas.height = size.height;
    }
    var ctx = canvas.getContext("2d");
    // JPEG has no transparency: paint white under PNGs instead of black.
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size.width, size.height);
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    if (canvas.convertToBlob) {
      blob = await canvas.convertToBlob({ type: "image/jpeg", quality: quality });
    } else {
      blob = await new Promise(function (resolve) {
        canvas.toBlob(resolve, "image/jpeg", quality);
      });
    }
    if (!blob) throw new Error("encode failed");
    return new Uint8Array(await blob.arrayBuffer());
  }

  /**
   * Decode (honouring the EXIF orientation), downscale, re-encode as JPEG.
   * `rule` ({maxSide, qualities}) is for bench/photos.py only, which measures
   * other settings with this very code; the form never passes it.
   */
  async function reencode(file, maxBytes, rule) {
    var maxSide = (rule && rule.maxSide) || MAX_SIDE;
    var qualities = (rule && rule.qualities) || QUALITIES;
    if (file.type !== "image/jpeg" && file.type !== "image/png") {
      throw new Error("type");
    }
    var bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    try {
      var size = fit(bitmap.width, bitmap.height, maxSide);
      var data = null;
      for (var i = 0; i < qualities.length; i++) {
        data = await toJpeg(bitmap, size, qualities[i]);
        if (!maxBytes || data.length <= maxBytes) break;
      }
      if (maxBytes && data.length > maxBytes) throw new Error("size");
      return { type: "image/jpeg", data: data, width: size.width, height: size.height };
    } finally {
      if (bitmap.close) bitmap.close();
    }
  }

  window.vigiePhotos = { reencode: reencode, MAX_SIDE: MAX_SIDE, QUALITIES: QUALITIES };
})();
