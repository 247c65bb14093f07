"""An export as an HTTP answer: the download page and the API send the same file. CSV and JSON
stream a row at a time; XLSX and the standards (the standard's file and the list of use cases it
refused, in one ZIP archive) are written to a temporary file first, then sent from it."""

import io
import tempfile
import zipfile
from typing import IO

from django.http import FileResponse, StreamingHttpResponse

from exports import exporting
from exports.standards import STANDARDS

REFUSED_HEADER = "X-Export-Refused"


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


def _streamed(name: str, records) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exporting.text_lines(name, records),
        content_type=exporting.file_format(name).content_type,
    )
    response["Content-Disposition"] = _attachment(exporting.file_name(name))
    return response


def _spooled(write) -> IO[bytes]:
    """A temporary file ``write(file)`` filled, rewound for sending. The response closes it
    (which deletes it); so does a failure while writing."""
    spooled = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it once sent
    try:
        write(spooled)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


def _workbook(records) -> FileResponse:
    return FileResponse(
        _spooled(lambda file: exporting.write_xlsx(file, records.columns, records)),
        as_attachment=True,
        filename=exporting.file_name("xlsx"),
        content_type=exporting.XLSX.content_type,
    )


def _text_member(archive: zipfile.ZipFile, member: str, write) -> None:
    with (
        archive.open(member, "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
    ):
        write(text)


def _standard_archive(name: str, records) -> FileResponse:
    """The standard's file and ``refused.csv`` (key, title, why) in one ZIP archive."""

    def write(file):
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            lines = exporting.text_lines(name, records)
            _text_member(archive, exporting.file_name(name), lambda text: text.writelines(lines))
            _text_member(
                archive, "refused.csv", lambda text: exporting.write_refused(records.refused, text)
            )
        records.refused.close()

    response = FileResponse(
        _spooled(write),
        as_attachment=True,
        filename=exporting.file_name(name).rsplit(".", 1)[0] + ".zip",
        content_type="application/zip",
    )
    response[REFUSED_HEADER] = str(len(records.refused))
    return response


def export_response(name: str, records):
    """The file of ``records`` in format ``name`` (one of ``exporting.FORMATS``), to send."""
    if name in STANDARDS:
        return _standard_archive(name, records)
    if name == "xlsx":
        return _workbook(records)
    return _streamed(name, records)
