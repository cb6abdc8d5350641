"""What customers may upload to their tickets on the portal (plain Python, no Odoo model)."""

import os

from odoo.tools.mimetypes import guess_mimetype

# files a customer may add to one ticket (new-ticket form and conversation together)
PORTAL_FILES_PER_TICKET = 20
# what a customer may upload, by the type read from the file's content (not its name), with
# the extensions a file of that type may carry (so that it is also served as that type)
ALLOWED_UPLOADS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt", ".log", ".csv"),
    "text/csv": (".csv",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
}


def portal_upload_mimetype(name, data):
    """The type of a customer's file read from its content, when it is one we accept and the
    file's name agrees with it (so that it is served as that type); None otherwise."""
    mimetype = guess_mimetype(data or b"", default="application/octet-stream")
    extension = os.path.splitext(name or "")[1].lower()
    return mimetype if extension in ALLOWED_UPLOADS.get(mimetype, ()) else None
