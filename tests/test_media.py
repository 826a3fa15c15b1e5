"""Rules of sandbox/infra/media.py: signed recording URLs, lenient base64, blob checks, bundled media."""

from __future__ import annotations

import base64
import struct
import sys
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from freezegun import freeze_time

from sandbox.contract.media_checks import BLOB_TOO_LARGE_ERROR

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the package is not installed in the test virtualenv
    sys.path.insert(0, str(ROOT))

from sandbox.contract.media_checks import (
    MAX_BLOB_BYTES,
    MP3_DECODE_ERROR,
    decode_base64_lenient,
    is_valid_jpeg,
    is_valid_png,
    mp3_decode_error,
)
from sandbox.infra.media import (
    MEDIA_TYPES,
    MediaUrlRefused,
    media_file_path,
    sign_recording_url,
    verify_recording_url,
)

MEDIA_DIR = ROOT / "fixtures" / "media"
KEY = b"test-signing-key-0123456789abcdef"
BASE = "http://127.0.0.1:8000"
BOT = "bot_D5zWNQV3GFhR84VM"
REC = "rec_ceObZeImkVsxJN6E"
ISSUED = datetime(2026, 11, 30, 11, 22, 6, tzinfo=timezone.utc)

# 16x16 testsrc frame, 494 bytes, made with
#   ffmpeg -f lavfi -i "testsrc=size=16x16:rate=1" -frames:v 1 -q:v 10 \
#          -fflags +bitexact -flags:v +bitexact -map_metadata -1 tiny.jpg
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQq"
    "KiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABxAAEBAAAAAAAAAAAAAAAA"
    "AAAFBgEBAAMBAAAAAAAAAAAAAAAABgIDAQQQAAICAQQDAAMBAAAAAAAAAAIBEQMEMQAhEhMF"
    "IlFBYTIRAAIBAgYCAgMBAQAAAAAAAAIBAwQRQQAxIRMSUSIFYSSSgbEU/8AAEQgAEAAQAwES"
    "AAISAAMSAP/aAAwDAQACEQMRAD8AmfGeFgVEJsTMVZ2AmuDghSfDXyXP9ndDYNOVhULz1j0r"
    "rrbkX/kRGX9KJ66bU0NHTzF2kjCRvA0iX6vbBb2vk5Q/JShNxDSGf2m9PNlG9t87HK5xqkaH"
    "8QYhhdtx5i7SO/krJXwSstXfnqRKg/6eguoVTxtMU0hULs2rd+yu0npZtZVy8peryAOsBGtE"
    "u4CI8i+qcJdeYJtcpTrsT2Vd2dadaqsGNGhIp0/UL8bGUNVUTK0kskl9e5M9L4ldr+ZSUvx0"
    "EMXIFXHNbURQ/fiQv8zfFEEp1hHcnTcPD7F1j5VY+o36+2O2Z/HSRyupGUxgOo4vQ2kQ8avo"
    "+rd1vhbP/9k="
)


# ---------------------------------------------------------------------------- helpers


def split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def make_png(width: int = 2, height: int = 2, *, ancillary: bytes = b"") -> bytes:
    """An 8-bit RGB PNG: every row is filter byte 0 then red pixels."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + ancillary
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


def mp3_header(bitrate_index: int = 9, padding: int = 0) -> bytes:
    """MPEG-1 Layer III, 44.1 kHz, mono header (bitrate index 9 = 128 kbit/s)."""
    return bytes([0xFF, 0xFB, (bitrate_index << 4) | (padding << 1), 0xC0])


def mp3_frames(count: int, bitrate_index: int = 9) -> bytes:
    length = 144 * 128_000 // 44_100  # 417 bytes at 128 kbit/s, no padding
    return (mp3_header(bitrate_index) + b"\x00" * (length - 4)) * count


# ---------------------------------------------------------------------------- signed URLs


def test_signed_url_verifies_and_names_bot_recording_and_format():
    url = sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY)
    assert url.startswith(f"{BASE}/sandbox/media/{BOT}-{REC}.mp4?")
    path, query = split(url)
    assert set(query) == {"X-Sandbox-Expires", "X-Sandbox-Nonce", "X-Sandbox-Signature"}
    assert verify_recording_url(path, query, ISSUED + timedelta(seconds=1), KEY) == (BOT, REC, "mp4")


def test_signed_url_for_mp3_verifies():
    path, query = split(sign_recording_url(BASE + "/", BOT, REC, "mp3", ISSUED, KEY))
    assert path == f"/sandbox/media/{BOT}-{REC}.mp3"
    assert verify_recording_url(path, query, ISSUED, KEY) == (BOT, REC, "mp3")


def test_expiry_is_issue_time_plus_1800_seconds():
    _, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    assert int(query["X-Sandbox-Expires"]) == int(ISSUED.timestamp()) + 1800


def test_tampered_path_is_bad_signature():
    path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    for other in (path.replace(BOT, "bot_AAAAAAAAAAAAAAAA"), path.replace(".mp4", ".mp3")):
        with pytest.raises(MediaUrlRefused) as refused:
            verify_recording_url(other, query, ISSUED, KEY)
        assert refused.value.reason == "bad signature"


def test_tampered_expiry_is_bad_signature():
    path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    query["X-Sandbox-Expires"] = str(int(query["X-Sandbox-Expires"]) + 3600)
    with pytest.raises(MediaUrlRefused) as refused:
        verify_recording_url(path, query, ISSUED, KEY)
    assert refused.value.reason == "bad signature"


def test_tampered_signature_or_nonce_is_bad_signature():
    path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    signature = query["X-Sandbox-Signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for change in ({"X-Sandbox-Signature": flipped}, {"X-Sandbox-Signature": "zz"}, {"X-Sandbox-Nonce": "other"}):
        with pytest.raises(MediaUrlRefused) as refused:
            verify_recording_url(path, {**query, **change}, ISSUED, KEY)
        assert refused.value.reason == "bad signature"


def test_other_key_is_bad_signature():
    path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    with pytest.raises(MediaUrlRefused) as refused:
        verify_recording_url(path, query, ISSUED, b"another key")
    assert refused.value.reason == "bad signature"


def test_url_expires_after_1800_seconds():
    path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    assert verify_recording_url(path, query, ISSUED + timedelta(seconds=1800), KEY) == (BOT, REC, "mp4")
    with pytest.raises(MediaUrlRefused) as refused:
        verify_recording_url(path, query, ISSUED + timedelta(seconds=1801), KEY)
    assert refused.value.reason == "expired"


def test_url_expiry_under_frozen_clock():
    with freeze_time("2026-11-30 11:22:06") as clock:
        path, query = split(sign_recording_url(BASE, BOT, REC, "mp3", datetime.now(timezone.utc), KEY))
        clock.tick(timedelta(seconds=1799))
        assert verify_recording_url(path, query, datetime.now(timezone.utc), KEY)[2] == "mp3"
        clock.tick(timedelta(seconds=2))
        with pytest.raises(MediaUrlRefused) as refused:
            verify_recording_url(path, query, datetime.now(timezone.utc), KEY)
        assert refused.value.reason == "expired"


def test_naive_datetimes_are_utc():
    naive = ISSUED.replace(tzinfo=None)
    path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", naive, KEY))
    assert int(query["X-Sandbox-Expires"]) == int(ISSUED.timestamp()) + 1800
    with pytest.raises(MediaUrlRefused) as refused:
        verify_recording_url(path, query, naive + timedelta(seconds=1801), KEY)
    assert refused.value.reason == "expired"


def test_two_urls_for_the_same_recording_differ():
    first = sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY)
    second = sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY)
    assert first != second
    for url in (first, second):
        path, query = split(url)
        assert verify_recording_url(path, query, ISSUED, KEY) == (BOT, REC, "mp4")


def test_given_nonce_makes_the_url_deterministic():
    one = sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY, nonce="abc")
    assert one == sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY, nonce="abc")
    assert "X-Sandbox-Nonce=abc" in one


@pytest.mark.parametrize(
    "path, drop, change",
    [
        ("/sandbox/media/nothing.mp4", None, {}),
        (f"/sandbox/media/{BOT}-{REC}.wav", None, {}),
        (f"/other/{BOT}-{REC}.mp4", None, {}),
        (None, "X-Sandbox-Signature", {}),
        (None, "X-Sandbox-Expires", {}),
        (None, "X-Sandbox-Nonce", {}),
        (None, None, {"X-Sandbox-Expires": "soon"}),
        (None, None, {"X-Sandbox-Expires": "-5"}),
        (None, None, {"X-Sandbox-Nonce": "has space"}),
        (None, None, {"X-Sandbox-Signature": ""}),
    ],
)
def test_malformed_url_is_refused_as_malformed(path, drop, change):
    signed_path, query = split(sign_recording_url(BASE, BOT, REC, "mp4", ISSUED, KEY))
    query.update(change)
    if drop:
        del query[drop]
    with pytest.raises(MediaUrlRefused) as refused:
        verify_recording_url(path or signed_path, query, ISSUED, KEY)
    assert refused.value.reason == "malformed"


def test_signing_refuses_unknown_format_and_odd_ids():
    with pytest.raises(ValueError):
        sign_recording_url(BASE, BOT, REC, "wav", ISSUED, KEY)
    with pytest.raises(ValueError):
        sign_recording_url(BASE, "bot-x", REC, "mp4", ISSUED, KEY)


def test_media_file_path_and_types():
    assert MEDIA_TYPES == {"mp4": "video/mp4", "mp3": "audio/mpeg"}
    assert media_file_path("mp4", MEDIA_DIR) == MEDIA_DIR / "recording.mp4"
    assert media_file_path("mp3", MEDIA_DIR) == MEDIA_DIR / "recording.mp3"
    assert media_file_path("mp4", MEDIA_DIR).is_file()
    assert media_file_path("mp3", MEDIA_DIR).is_file()
    with pytest.raises(ValueError):
        media_file_path("../etc/passwd", MEDIA_DIR)


# ---------------------------------------------------------------------------- base64


def test_lenient_base64_discards_characters_outside_the_alphabet():
    assert decode_base64_lenient("!!!") == b""  # docs/contract/bots-endpoints.md#output-image: not "Invalid base64"
    assert decode_base64_lenient("aGVs!bG8=") == b"hello"
    assert decode_base64_lenient("aGVs\nbG8=") == b"hello"
    assert decode_base64_lenient("") == b""


def test_lenient_base64_fails_only_on_bad_padding():
    assert decode_base64_lenient("abc") is None  # missing padding
    assert decode_base64_lenient("a") is None  # impossible length
    assert decode_base64_lenient("aGVsbG8") is None
    assert decode_base64_lenient("aGVsbG8=") == b"hello"


def test_lenient_base64_refuses_non_ascii_and_non_strings():
    assert decode_base64_lenient("aGVsbG8=é") is None
    assert decode_base64_lenient(123) is None  # type: ignore[arg-type]
    assert decode_base64_lenient(None) is None  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- PNG


def test_png_built_with_zlib_is_valid():
    assert is_valid_png(make_png())
    assert is_valid_png(make_png(1, 1))
    assert is_valid_png(make_png(37, 5))


def test_png_with_trailing_bytes_after_iend_is_valid():
    assert is_valid_png(make_png() + b"trailing")


def test_png_without_signature_or_iend_is_invalid():
    png = make_png()
    assert not is_valid_png(b"")
    assert not is_valid_png(b"\x89PNG\r\n\x1a\n")
    assert not is_valid_png(png[1:])
    assert not is_valid_png(png[:-12])  # IEND removed
    assert not is_valid_png(png[:-3])  # IEND cut short


def test_png_with_bad_critical_crc_is_invalid():
    png = bytearray(make_png())
    png[8 + 8 + 13] ^= 0xFF  # first CRC byte of IHDR
    assert not is_valid_png(bytes(png))
    png = bytearray(make_png())
    idat_crc = len(png) - 12 - 4
    png[idat_crc] ^= 0xFF
    assert not is_valid_png(bytes(png))


def test_png_ancillary_chunk_with_bad_crc_is_tolerated_like_libpng():
    good = png_chunk(b"tEXt", b"k\x00v")
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    assert is_valid_png(make_png(ancillary=good))
    assert is_valid_png(make_png(ancillary=bad))


def test_png_needs_ihdr_first_with_sane_size():
    body = make_png()[8:]
    ihdr, rest = body[:25], body[25:]
    assert not is_valid_png(b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"k\x00v") + ihdr + rest)
    for width, height in ((0, 2), (2, 0), ((1 << 20) + 1, 1)):
        bad_ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        assert not is_valid_png(b"\x89PNG\r\n\x1a\n" + bad_ihdr + rest)
    bad_depth = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 3, 2, 0, 0, 0))
    assert not is_valid_png(b"\x89PNG\r\n\x1a\n" + bad_depth + rest)


def test_png_with_corrupt_or_short_image_data_is_invalid():
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
    iend = png_chunk(b"IEND", b"")
    sig = b"\x89PNG\r\n\x1a\n"
    assert not is_valid_png(sig + ihdr + iend)  # no IDAT
    assert not is_valid_png(sig + ihdr + png_chunk(b"IDAT", b"not zlib") + iend)
    short = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2)  # one row of two
    assert not is_valid_png(sig + ihdr + png_chunk(b"IDAT", short) + iend)
    bad_filter = zlib.compress((b"\x07" + b"\xff\x00\x00" * 2) * 2)
    assert not is_valid_png(sig + ihdr + png_chunk(b"IDAT", bad_filter) + iend)


def test_garbage_jpeg_and_mp3_are_not_png():
    assert not is_valid_png(b"garbage" * 10)
    assert not is_valid_png(TINY_JPEG)
    assert not is_valid_png((MEDIA_DIR / "recording.mp3").read_bytes())


# ---------------------------------------------------------------------------- JPEG


def test_ffmpeg_jpeg_is_valid():
    assert is_valid_jpeg(TINY_JPEG)
    assert is_valid_jpeg(TINY_JPEG + b"\x00\x00")  # bytes after EOI are ignored


def test_jpeg_without_eoi_or_truncated_is_invalid():
    assert not is_valid_jpeg(TINY_JPEG[:-2])
    assert not is_valid_jpeg(TINY_JPEG[: len(TINY_JPEG) // 2])
    assert not is_valid_jpeg(b"\xff\xd8\xff\xd9")  # SOI, EOI, nothing between


def test_jpeg_needs_soi_and_sane_sof():
    assert not is_valid_jpeg(TINY_JPEG[2:])
    sof = TINY_JPEG.index(b"\xff\xc0")
    zero_height = bytearray(TINY_JPEG)
    zero_height[sof + 5 : sof + 7] = b"\x00\x00"
    assert not is_valid_jpeg(bytes(zero_height))
    zero_width = bytearray(TINY_JPEG)
    zero_width[sof + 7 : sof + 9] = b"\x00\x00"
    assert not is_valid_jpeg(bytes(zero_width))
    no_sof = bytearray(TINY_JPEG)
    no_sof[sof + 1] = 0xE5  # SOF0 turned into an APP5 segment
    assert not is_valid_jpeg(bytes(no_sof))


def test_jpeg_with_overlong_segment_is_invalid():
    broken = bytearray(TINY_JPEG)
    broken[4:6] = b"\xff\xff"  # APP0 length runs past the end
    assert not is_valid_jpeg(bytes(broken))


def test_garbage_png_and_mp3_are_not_jpeg():
    assert not is_valid_jpeg(b"")
    assert not is_valid_jpeg(b"garbage" * 10)
    assert not is_valid_jpeg(make_png())
    assert not is_valid_jpeg((MEDIA_DIR / "recording.mp3").read_bytes())


# ---------------------------------------------------------------------------- MP3


def test_bundled_mp3_decodes():
    assert mp3_decode_error((MEDIA_DIR / "recording.mp3").read_bytes()) is None


def test_chained_mp3_frames_decode_with_or_without_id3():
    assert mp3_decode_error(mp3_frames(5)) is None
    id3 = b"ID3\x04\x00\x00\x00\x00\x00\x05" + b"\x00" * 5
    assert mp3_decode_error(id3 + mp3_frames(5)) is None
    assert mp3_decode_error(mp3_frames(1)) is None  # one whole frame up to the end
    assert mp3_decode_error(mp3_frames(2) + b"TAG" + b"\x00" * 125) is None


def test_mp3_frames_that_do_not_chain_fail_with_ffmpeg_error():
    frames = mp3_frames(5)
    assert mp3_decode_error(frames[:417] + b"\x00" * 100 + frames[417:]) == MP3_DECODE_ERROR
    other_rate = bytes([0xFF, 0xFB, 0x94, 0xC0])  # 48 kHz header after 44.1 kHz frames
    assert mp3_decode_error(mp3_frames(1) + other_rate + b"\x00" * 500) == MP3_DECODE_ERROR


def test_mp3_bitrate_may_change_between_frames():
    mixed = mp3_frames(1) + mp3_header(5) + b"\x00" * (144 * 64_000 // 44_100 - 4) + mp3_frames(3)
    assert mp3_decode_error(mixed) is None


def test_garbage_is_not_mp3():
    assert mp3_decode_error(b"") == MP3_DECODE_ERROR
    assert mp3_decode_error(b"garbage" * 100) == MP3_DECODE_ERROR
    assert mp3_decode_error(make_png()) == MP3_DECODE_ERROR
    assert mp3_decode_error(TINY_JPEG) == MP3_DECODE_ERROR
    assert mp3_decode_error((MEDIA_DIR / "recording.mp4").read_bytes()) == MP3_DECODE_ERROR
    assert mp3_decode_error(b"ID3\x04\x00\x00\x00\x00\x00\x05" + b"\x00" * 5) == MP3_DECODE_ERROR
    assert mp3_decode_error(b"\xff\xfb\x90\xc0" + b"\x00" * 20) == MP3_DECODE_ERROR  # cut-off frame
    assert MP3_DECODE_ERROR == "Decoding failed. ffmpeg returned error code: 1"


def test_mp3_blob_over_10_mib_is_refused_before_decoding():
    frames = mp3_frames(MAX_BLOB_BYTES // 417 + 1)
    assert len(frames) > MAX_BLOB_BYTES
    assert mp3_decode_error(frames) == BLOB_TOO_LARGE_ERROR
    assert mp3_decode_error(frames[: 417 * (MAX_BLOB_BYTES // 417)]) is None


# ---------------------------------------------------------------------------- bundled media


def test_bundled_mp4_starts_with_ftyp_box_and_is_small():
    data = (MEDIA_DIR / "recording.mp4").read_bytes()
    (box_size,) = struct.unpack(">I", data[:4])
    assert data[4:8] == b"ftyp"
    assert 16 <= box_size < len(data)
    assert data[8:12] in (b"isom", b"mp42", b"mp41")
    assert b"moov" in data and b"mdat" in data and b"avc1" in data and b"mp4a" in data
    assert len(data) < 200 * 1024


def test_bundled_mp3_has_valid_frames_and_is_small():
    data = (MEDIA_DIR / "recording.mp3").read_bytes()
    assert len(data) < 100 * 1024
    assert mp3_decode_error(data) is None
    assert data.startswith(b"ID3")
