#ifndef SIXRAY_CJPEG_SHIM_H
#define SIXRAY_CJPEG_SHIM_H
// libjpeg reports errors through longjmp, which Swift cannot call across.
// Decoding therefore goes through static inline C helpers declared here that own the
// setjmp buffer; Swift sees only plain functions that return an error code and a message.
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    int width;
    int height;
    int components;
    int precision;          // data_precision (8 for libjpeg-turbo 2.1; 12-bit input fails in header)
    int jpegColorSpace;     // J_COLOR_SPACE libjpeg guessed from markers / component ids
    int sawJFIF;
    int sawAdobe;
    int adobeTransform;
    int componentIds[4];
    int progressive;
    int arithmetic;
} sixray_jpeg_info;

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int eofWarning;          // libjpeg hit the end of data and padded with EOI
} sixray_jpeg_error_mgr;

static void sixray_jpeg_error_exit(j_common_ptr cinfo) {
    sixray_jpeg_error_mgr *err = (sixray_jpeg_error_mgr *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static void sixray_jpeg_emit_message(j_common_ptr cinfo, int level) {
    sixray_jpeg_error_mgr *err = (sixray_jpeg_error_mgr *)cinfo->err;
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF && !err->eofWarning) {
            err->eofWarning = 1;
            (*cinfo->err->format_message)(cinfo, err->message);
        }
        cinfo->err->num_warnings++;
    }
}

/// Decodes a JPEG (DCT, 8-bit) codestream.
/// With `out == NULL` only the header is read into `info`.
/// `colorTransform`: 0 = deliver the components as coded (no colour conversion),
/// 1 = let libjpeg convert YCbCr to RGB, -1 = libjpeg's own default for the markers present.
/// Decoding stops with an error unless the header matches `expectWidth` × `expectHeight` ×
/// `expectComponents` and `outSize` is exactly width × height × components.
/// Returns 0 on success, 1 on a libjpeg error, 2 on a size mismatch, 3 on truncated data;
/// `message` (at least JMSG_LENGTH_MAX bytes) receives libjpeg's text.
static inline int sixray_jpeg_decode(const unsigned char *data, size_t size, sixray_jpeg_info *info,
                                     int colorTransform, int expectWidth, int expectHeight,
                                     int expectComponents, unsigned char *out, size_t outSize,
                                     char *message) {
    struct jpeg_decompress_struct cinfo;
    sixray_jpeg_error_mgr jerr;
    memset(&cinfo, 0, sizeof(cinfo));
    memset(&jerr, 0, sizeof(jerr));
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = sixray_jpeg_error_exit;
    jerr.pub.emit_message = sixray_jpeg_emit_message;
    message[0] = 0;
    if (setjmp(jerr.jump)) {
        memcpy(message, jerr.message, JMSG_LENGTH_MAX);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    info->width = (int)cinfo.image_width;
    info->height = (int)cinfo.image_height;
    info->components = cinfo.num_components;
    info->precision = cinfo.data_precision;
    info->jpegColorSpace = (int)cinfo.jpeg_color_space;
    info->sawJFIF = cinfo.saw_JFIF_marker;
    info->sawAdobe = cinfo.saw_Adobe_marker;
    info->adobeTransform = cinfo.Adobe_transform;
    for (int i = 0; i < 4; i++) {
        info->componentIds[i] = i < cinfo.num_components ? cinfo.comp_info[i].component_id : -1;
    }
    info->progressive = cinfo.progressive_mode;
    info->arithmetic = cinfo.arith_code;
    if (out == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    if (info->width != expectWidth || info->height != expectHeight ||
        info->components != expectComponents ||
        outSize != (size_t)expectWidth * (size_t)expectHeight * (size_t)expectComponents) {
        snprintf(message, JMSG_LENGTH_MAX, "codestream is %dx%d with %d components", info->width,
                 info->height, info->components);
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    if (cinfo.num_components == 3) {
        if (colorTransform == 0) {
            cinfo.jpeg_color_space = JCS_RGB;   // identity: keep the samples as coded
            cinfo.out_color_space = JCS_RGB;
        } else if (colorTransform == 1) {
            cinfo.jpeg_color_space = JCS_YCbCr;
            cinfo.out_color_space = JCS_RGB;
        }
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (stride * cinfo.output_height != outSize) {
        snprintf(message, JMSG_LENGTH_MAX, "decoder output is %ux%u with %d components",
                 cinfo.output_width, cinfo.output_height, cinfo.output_components);
        jpeg_destroy_decompress(&cinfo);
        return 2;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
        if (jerr.eofWarning) {
            memcpy(message, jerr.message, JMSG_LENGTH_MAX);
            jpeg_destroy_decompress(&cinfo);
            return 3;
        }
    }
    jpeg_finish_decompress(&cinfo);
    int truncated = jerr.eofWarning;
    if (truncated) {
        memcpy(message, jerr.message, JMSG_LENGTH_MAX);
    }
    jpeg_destroy_decompress(&cinfo);
    return truncated ? 3 : 0;
}

#endif
