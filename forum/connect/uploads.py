"""Uploaded files: what they are (by their bytes, not their name), and where they are kept.

The one place that decides which files the portal accepts. A file is accepted when its contents
are a PDF, an image or an office document and its name's extension agrees; it is stored under a
random name in UPLOAD_DIR (outside the static folder), readable and writable by the portal only and
never executable, and served only through a view that sets its content type.
"""
import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

OFFICE_XML = "application/vnd.openxmlformats-officedocument."
OPEN_DOCUMENT = "application/vnd.oasis.opendocument."
# Detected type -> (the extensions a file of that type may have, a name people recognise).
KINDS = {
    "application/pdf": ({"pdf"}, "PDF"),
    "image/png": ({"png"}, "PNG"),
    "image/jpeg": ({"jpg", "jpeg"}, "JPEG"),
    "image/gif": ({"gif"}, "GIF"),
    "image/webp": ({"webp"}, "WebP"),
    OFFICE_XML + "wordprocessingml.document": ({"docx"}, "Word"),
    OFFICE_XML + "spreadsheetml.sheet": ({"xlsx"}, "Excel"),
    OFFICE_XML + "presentationml.presentation": ({"pptx"}, "PowerPoint"),
    OPEN_DOCUMENT + "text": ({"odt"}, "OpenDocument"),
    OPEN_DOCUMENT + "spreadsheet": ({"ods"}, "OpenDocument"),
    OPEN_DOCUMENT + "presentation": ({"odp"}, "OpenDocument"),
    # Legacy Office files share one container format (OLE2); the extension says which program.
    "application/msword": ({"doc"}, "Word"),
    "application/vnd.ms-excel": ({"xls"}, "Excel"),
    "application/vnd.ms-powerpoint": ({"ppt"}, "PowerPoint"),
}
ACCEPT = ",".join(sorted("." + ext for extensions, _ in KINDS.values() for ext in extensions))
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE2_TYPES = {"doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint"}
OFFICE_PARTS = {"word/": "wordprocessingml.document", "xl/": "spreadsheetml.sheet",
                "ppt/": "presentationml.presentation"}
NOT_ACCEPTED = _l("This file is not accepted: upload a PDF, an image (PNG, JPEG, GIF, WebP) or an office "
                  "document (Word, Excel, PowerPoint, OpenDocument).")


class UploadRefused(Exception):
    """The file is not one the portal accepts; `message` says why, in the reader's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class CheckedFile:
    data: bytes
    content_type: str
    original_filename: str

    @property
    def size(self):
        return len(self.data)


def _zip_type(stream):
    """Office Open XML or OpenDocument, by the parts inside the ZIP; None for any other ZIP."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in KINDS and declared.startswith(OPEN_DOCUMENT) else None
            if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # not Office, or with macros (docm, xlsm...): refused
            for prefix, kind in OFFICE_PARTS.items():
                if any(name.startswith(prefix) for name in names):
                    return OFFICE_XML + kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        return None
    return None


def detect_type(data, extension):
    """The file's content type as its first bytes (and, for ZIPs, its parts) show it, or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(io.BytesIO(data))
    if data.startswith(OLE2):
        return OLE2_TYPES.get(extension, "application/x-ole-storage")
    return None


def clean_filename(name):
    """The uploader's file name, kept only to name the download: no path, no control characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:255 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:255]
    return name or "file"


def extension_of(name):
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def check(storage):
    """Read an uploaded file (werkzeug FileStorage) and check its size and type; raise UploadRefused."""
    limit = current_app.config["RESOURCE_MAX_BYTES"]
    data = storage.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_l("The file is larger than %(size)s MB, the most the portal accepts.",
                               size=f"{limit / 1024 / 1024:g}"))
    if not data:
        raise UploadRefused(_l("The file is empty."))
    name = clean_filename(storage.filename)
    extension = extension_of(name)
    content_type = detect_type(data, extension)
    if content_type not in KINDS:
        raise UploadRefused(NOT_ACCEPTED)
    extensions, kind = KINDS[content_type]
    if extension not in extensions:
        raise UploadRefused(_l("The file's name (.%(extension)s) does not match its contents (%(kind)s). "
                               "Give it the right extension and upload it again.",
                               extension=extension, kind=kind))
    return CheckedFile(data, content_type, name)


def upload_dir():
    return Path(current_app.config["UPLOAD_DIR"])


def path_of(stored_name):
    return upload_dir() / stored_name


def store(checked):
    """Write the file under a new random name, never executable; returns the name."""
    directory = upload_dir()
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    extension = sorted(KINDS[checked.content_type][0])[0]
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    descriptor = os.open(directory / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), 0o640)  # whatever the umask says: no execute bit, not world-readable
        handle.write(checked.data)
    return stored_name


def remove(stored_name):
    """Delete a stored file; one already gone is fine."""
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)
