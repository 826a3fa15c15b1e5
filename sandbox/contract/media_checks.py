"""The real server's checks of uploaded media, done without its libraries (docs/contract/bots-endpoints.md).

The real server decodes blobs with OpenCV and pydub/ffmpeg; the sandbox decides the same questions from
the files' structure, with no third-party library:

* `decode_base64_lenient`: base64 as Python's `b64decode` reads it without `validate` (only bad padding fails);
* `is_valid_png` / `is_valid_jpeg`: `output_image` and `bot_image`;
* `mp3_frames` / `mp3_decode_error`: `output_audio` (its playing time comes from the frame headers).
"""

import base64
import binascii
import struct
import zlib


def decode_base64_lenient(data: str) -> bytes | None:
    """Decode like the real server's ``base64.b64decode(data)`` (``validate=False``).

    Characters outside the base64 alphabet are discarded, so ``"!!!"`` gives ``b""``;
    only bad padding (or a non-ASCII / non-string value) fails, giving ``None``.
    """
    if not isinstance(data, (str, bytes, bytearray)):
        return None
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError, TypeError):
        return None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# OpenCV's default decoder limits (CV_IO_MAX_IMAGE_WIDTH/HEIGHT/PIXELS).
_MAX_IMAGE_SIDE = 1 << 20


_MAX_IMAGE_PIXELS = 1 << 30


# Above this much raw image data, only the start of the zlib stream is checked.
_PNG_MAX_INFLATE = 256 * 1024 * 1024


# Channels per colour type, and the bit depths each colour type allows.
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


_PNG_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_row_sizes(width: int, height: int, bits_per_pixel: int, interlaced: bool):
    """Yield (row byte count including the filter byte, number of rows) per pass."""
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    for x0, y0, dx, dy in passes:
        pass_width = (width - x0 + dx - 1) // dx
        pass_height = (height - y0 + dy - 1) // dy
        if pass_width > 0 and pass_height > 0:
            yield 1 + (pass_width * bits_per_pixel + 7) // 8, pass_height


def _png_image_data_ok(idat: bytes, width: int, height: int, bits_per_pixel: int, interlaced: bool) -> bool:
    """The zlib stream decodes to enough scanlines and every filter byte is 0..4."""
    rows = list(_png_row_sizes(width, height, bits_per_pixel, interlaced))
    expected = sum(size * count for size, count in rows)
    inflater = zlib.decompressobj()
    if expected > _PNG_MAX_INFLATE:
        try:
            return len(inflater.decompress(idat, 65536)) > 0
        except zlib.error:
            return False

    # Positions of the filter bytes, walked lazily while inflating in bounded chunks.
    def filter_positions():
        offset = 0
        for size, count in rows:
            for _ in range(count):
                yield offset
                offset += size

    positions = filter_positions()
    next_filter = next(positions, None)
    produced = 0
    pending = idat
    try:
        while produced < expected:
            chunk = inflater.decompress(pending, min(1 << 20, expected - produced))
            pending = inflater.unconsumed_tail
            if not chunk:
                break
            end = produced + len(chunk)
            while next_filter is not None and next_filter < end:
                if chunk[next_filter - produced] > 4:
                    return False
                next_filter = next(positions, None)
            produced = end
    except zlib.error:
        return False
    return produced >= expected


def is_valid_png(data: bytes) -> bool:
    """Whether ``data`` is a PNG a decoder (libpng via OpenCV on the real server) accepts.

    Checks the signature; IHDR as the first chunk with sane dimensions (1..2^20 a side,
    at most 2^30 pixels) and a legal colour type / bit depth; chunk CRCs (a bad CRC on a
    critical chunk fails; libpng only warns about ancillary ones); PLTE where needed;
    consecutive IDAT chunks whose zlib data holds every scanline with valid filter
    bytes; and an IEND chunk.  Bytes after IEND are ignored, as libpng ignores them.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return False
    data = bytes(data)
    if not data.startswith(_PNG_SIGNATURE):
        return False

    pos = len(_PNG_SIGNATURE)
    header = None
    seen_plte = False
    idat_parts: list[bytes] = []
    idat_done = False  # another chunk followed the IDAT run
    while True:
        if pos + 12 > len(data):
            return False  # truncated: no IEND
        length, chunk_type = struct.unpack(">I4s", data[pos : pos + 8])
        if length > 0x7FFFFFFF or not chunk_type.isalpha():
            return False
        end = pos + 12 + length
        if end > len(data):
            return False
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        crc_ok = zlib.crc32(chunk_type + body) == crc
        critical = chunk_type[0:1].isupper()
        if critical and not crc_ok:
            return False
        pos = end

        if header is None:
            if chunk_type != b"IHDR" or length != 13:
                return False
            width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
            if not (0 < width <= _MAX_IMAGE_SIDE and 0 < height <= _MAX_IMAGE_SIDE):
                return False
            if width * height > _MAX_IMAGE_PIXELS:
                return False
            if colour not in _PNG_DEPTHS or depth not in _PNG_DEPTHS[colour]:
                return False
            if compression != 0 or filtering != 0 or interlace not in (0, 1):
                return False
            header = (width, height, depth * _PNG_CHANNELS[colour], colour, interlace == 1)
            continue

        if chunk_type == b"IHDR":
            return False  # a second IHDR
        if chunk_type == b"PLTE":
            if idat_parts or seen_plte or length == 0 or length % 3 or length > 768:
                return False
            if header[3] in (0, 4):
                return False  # no palette allowed for greyscale
            seen_plte = True
        elif chunk_type == b"IDAT":
            if idat_done:
                return False  # IDAT chunks must be consecutive
            idat_parts.append(body)
        elif chunk_type == b"IEND":
            break
        elif critical:
            return False  # an unknown critical chunk stops libpng
        if idat_parts and chunk_type != b"IDAT":
            idat_done = True

    width, height, bits_per_pixel, colour, interlaced = header
    if not idat_parts or (colour == 3 and not seen_plte):
        return False
    return _png_image_data_ok(b"".join(idat_parts), width, height, bits_per_pixel, interlaced)


# Start-of-frame markers: C0-C3, C5-C7, C9-CB, CD-CF (C4 DHT, C8 JPG, CC DAC are not).
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


_JPEG_STANDALONE = {0x01} | set(range(0xD0, 0xD8))  # TEM, RST0-7: no length field


def is_valid_jpeg(data: bytes) -> bool:
    """Whether ``data`` is a structurally sound JPEG.

    Walks the marker segments from SOI: every segment length must fit, a SOF segment
    must come before the first SOS and carry sane dimensions (width and height 1..65535,
    1..4 components, precision 8, 12 or 16 and a length that matches), entropy-coded
    data after each SOS is skipped up to the next marker, and the walk must end on EOI.
    Bytes after EOI are ignored, as libjpeg ignores them.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return False
    data = bytes(data)
    size = len(data)
    if size < 4 or data[0] != 0xFF or data[1] != 0xD8:
        return False

    pos = 2
    seen_sof = False
    seen_sos = False
    while True:
        # Expect a marker: 0xFF, optional 0xFF fill bytes, then the marker code.
        if pos >= size or data[pos] != 0xFF:
            return False
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size:
            return False
        marker = data[pos]
        pos += 1

        if marker == 0xD9:  # EOI
            return seen_sof and seen_sos
        if marker in (0x00, 0xD8):
            return False  # a stuffed zero or a second SOI is not a marker here
        if marker in _JPEG_STANDALONE:
            continue
        if pos + 2 > size:
            return False
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > size:
            return False
        segment = data[pos + 2 : pos + length]
        pos += length

        if marker in _JPEG_SOF:
            if seen_sof or len(segment) < 6:
                return False
            precision, height, width, components = struct.unpack(">BHHB", segment[:6])
            if precision not in (8, 12, 16) or height == 0 or width == 0:
                return False
            if not 1 <= components <= 4 or len(segment) != 6 + 3 * components:
                return False
            seen_sof = True
        elif marker == 0xDA:  # SOS, followed by entropy-coded data
            if not seen_sof or len(segment) < 1:
                return False
            seen_sos = True
            # Skip to the next marker that is neither a stuffed 0xFF00 nor RSTn.
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= size:
                    return False
                follower = data[pos + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7:
                    pos += 2
                elif follower == 0xFF:
                    pos += 1  # fill byte before a marker
                else:
                    break


#: First line of pydub's ``CouldntDecodeError`` when ffmpeg cannot decode
# (docs/contract/bots-endpoints.md#output-audio).
MP3_DECODE_ERROR = "Decoding failed. ffmpeg returned error code: 1"


#: The real server's ``MediaBlob.save`` refuses blobs above 10 MiB before decoding them.
MAX_BLOB_BYTES = 10 * 1024 * 1024


#: What the real server's ``MediaBlob.save`` raises for an oversized blob
#: (``raise ValueError("blob exceeds 10MB limit")``), which becomes ``raw_error``.
BLOB_TOO_LARGE_ERROR = "blob exceeds 10MB limit"


_MP3_MIN_FRAMES = 3


# Bitrates in kbit/s, indexed by bitrate index 0..14 (0 is "free format").
_BITRATES = {
    (1, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (1, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


# Sample rates by version bits (3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5), index 0..2.
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


_LAYERS = {3: 1, 2: 2, 1: 3}  # layer bits -> layer number


def _mp3_frame(data: bytes, pos: int) -> tuple[tuple[int, int, int], int] | None:
    """Parse the MPEG audio frame header at ``pos``: ((version, layer, rate), frame length)."""
    if pos + 4 > len(data):
        return None
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    if data[pos] != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version_bits = (b1 >> 3) & 0x03
    layer_bits = (b1 >> 1) & 0x03
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0x03
    padding = (b2 >> 1) & 0x01
    if version_bits == 1 or layer_bits == 0 or rate_index == 3:
        return None
    if bitrate_index in (0, 15):  # free format is not supported here; 15 is invalid
        return None
    if (b3 & 0x03) == 2:  # reserved emphasis
        return None
    layer = _LAYERS[layer_bits]
    mpeg1 = version_bits == 3
    bitrate = _BITRATES[(1 if mpeg1 else 2, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version_bits][rate_index]
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    elif layer == 3 and not mpeg1:
        length = 72 * bitrate // rate + padding
    else:
        length = 144 * bitrate // rate + padding
    return (version_bits, layer, rate), length


def _skip_id3v2(data: bytes) -> int | None:
    """Offset after any leading ID3v2 tags; ``None`` if a tag header is broken."""
    pos = 0
    while data.startswith(b"ID3", pos):
        header = data[pos : pos + 10]
        if len(header) < 10 or header[3] == 0xFF or header[4] == 0xFF:
            return None
        size_bytes = header[6:10]
        if any(b & 0x80 for b in size_bytes):
            return None
        size = 0
        for b in size_bytes:
            size = (size << 7) | b
        footer = 10 if header[5] & 0x10 else 0
        pos += 10 + size + footer
        if pos > len(data):
            return None
    return pos


def _at_trailer(data: bytes, pos: int) -> bool:
    """Whether ``pos`` is the end of the data or the start of a trailing tag."""
    if pos == len(data):
        return True
    rest = data[pos:]
    return rest.startswith(b"TAG") or rest.startswith(b"APETAGEX") or rest.startswith(b"ID3")


def mp3_frames(data: bytes):
    """The MPEG audio frames that follow each other from the start of ``data`` (after any ID3v2 tags),
    all of the first frame's kind (version, layer, sample rate): yields ``(pos, kind, length)``. It stops
    at the first gap, a frame of another kind, or the end; a last frame cut short is still yielded."""
    pos = _skip_id3v2(data)
    if pos is None:
        return
    kind = None
    while True:
        parsed = _mp3_frame(data, pos)
        if parsed is None:
            return
        frame_kind, length = parsed
        if kind is None:
            kind = frame_kind
        elif frame_kind != kind:
            return
        yield pos, frame_kind, length
        if length <= 0 or pos + length > len(data):
            return
        pos += length


def mp3_decode_error(data: bytes) -> str | None:
    """``None`` when ``data`` is a plausible MP3, else the ``raw_error`` the real server gives.

    The real server stores the blob (refusing more than 10 MiB with
    ``"blob exceeds 10MB limit"``) and decodes it with pydub/ffmpeg, whose failure's first
    line is ``"Decoding failed. ffmpeg returned error code: 1"`` (docs/contract/bots-endpoints.md#output-audio).  Here:
    leading ID3v2 tags are skipped, then at least three MPEG audio frames must follow
    each other, each header valid and matching the first (version, layer, sample rate)
    and each starting where the previous one's computed length ends.  A shorter file
    passes if its frames chain exactly to the end of the data or to a trailing tag.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return MP3_DECODE_ERROR
    data = bytes(data)
    if len(data) > MAX_BLOB_BYTES:
        return BLOB_TOO_LARGE_ERROR

    frames = 0
    pos = 0
    for frame_pos, _kind, length in mp3_frames(data):
        if frame_pos + length > len(data):
            # A cut-off last frame; decoders still play the frames before it.
            frames += 1 if frames else 0
            pos = len(data)
            break
        frames += 1
        pos = frame_pos + length
        if frames >= _MP3_MIN_FRAMES:
            break

    if frames >= _MP3_MIN_FRAMES or (frames >= 1 and _at_trailer(data, pos)):
        return None
    return MP3_DECODE_ERROR
