"""get_file beyond the basics of tests/test_utils.py: resuming, archives, offline errors."""

import hashlib
import http.server
import io
import os
import tarfile
import threading

import pytest

from polykeras import utils
from polykeras.utils import data_utils

PAYLOAD = bytes(range(256)) * 40  # 10,240 bytes


class _RangeServer(http.server.ThreadingHTTPServer):
    """Serves PAYLOAD at any path, honouring Range requests; can cut the next response short."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RangeHandler)
        self.cut_next_at = None  # bytes sent before the connection is dropped
        self.honour_ranges = True
        self.ranges = []  # the Range header of each request (None when absent)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/data.bin"


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        header = self.headers.get("Range")
        server.ranges.append(header)
        start = 0
        if header and server.honour_ranges:
            start = int(header.split("=")[1].split("-")[0])
            if start >= len(PAYLOAD):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(PAYLOAD)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if server.cut_next_at is not None:
            body, server.cut_next_at = body[:server.cut_next_at], None
            self.close_connection = True
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = _RangeServer()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


def test_an_interrupted_download_is_resumed_where_it_stopped(server, tmp_path):
    cache = str(tmp_path / "cache")
    server.cut_next_at = 4000
    with pytest.raises(utils.data_utils.FetchError) as info:
        utils.get_file("data.bin", server.url, file_hash=SHA256, cache_dir=cache)
    part = tmp_path / "cache" / "datasets" / "data.bin.part"
    assert "stopped after 4000 of 10240 bytes" in str(info.value) and str(part) in str(info.value)
    assert part.read_bytes() == PAYLOAD[:4000]
    assert not (tmp_path / "cache" / "datasets" / "data.bin").exists()

    path = utils.get_file("data.bin", server.url, file_hash=SHA256, cache_dir=cache)
    assert server.ranges == [None, "bytes=4000-"]  # only the rest was asked for
    assert open(path, "rb").read() == PAYLOAD and not part.exists()


def test_a_server_without_ranges_sends_the_whole_file_again(server, tmp_path):
    cache = str(tmp_path / "cache")
    part = tmp_path / "cache" / "datasets" / "data.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(PAYLOAD[:3000])
    server.honour_ranges = False
    path = utils.get_file("data.bin", server.url, file_hash=SHA256, cache_dir=cache)
    assert open(path, "rb").read() == PAYLOAD


def test_a_stale_part_longer_than_the_file_starts_over(server, tmp_path):
    cache = str(tmp_path / "cache")
    part = tmp_path / "cache" / "datasets" / "data.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"x" * (len(PAYLOAD) + 5))
    path = utils.get_file("data.bin", server.url, file_hash=SHA256, cache_dir=cache)
    assert open(path, "rb").read() == PAYLOAD
    assert server.ranges == [f"bytes={len(PAYLOAD) + 5}-", None]


def test_a_resumed_file_with_a_wrong_hash_is_discarded(server, tmp_path):
    cache = str(tmp_path / "cache")
    part = tmp_path / "cache" / "datasets" / "data.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\xff" * 100)  # not the start of PAYLOAD
    with pytest.raises(ValueError, match="it was not saved"):
        utils.get_file("data.bin", server.url, file_hash=SHA256, cache_dir=cache)
    assert not part.exists()  # the next call starts from scratch
    assert open(utils.get_file("data.bin", server.url, file_hash=SHA256, cache_dir=cache),
                "rb").read() == PAYLOAD


def _tar_gz(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def test_untar_uses_an_extracted_folder_without_its_archive(tmp_path):
    archive = _tar_gz(tmp_path / "src.tar.gz", {"folder/a.txt": b"A" * 3000})
    cache = str(tmp_path / "cache")
    folder = utils.get_file("folder", archive.as_uri(), untar=True, cache_dir=cache)
    os.remove(folder + ".tar.gz")
    archive.unlink()  # offline, and the cached archive is gone too
    assert utils.get_file("folder", archive.as_uri(), untar=True, cache_dir=cache) == folder


def test_a_truncated_download_is_deleted_and_nothing_is_extracted(tmp_path):
    archive = _tar_gz(tmp_path / "src.tar.gz", {"folder/a.bin": os.urandom(40000)})
    archive.write_bytes(archive.read_bytes()[:-5000])
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="get_file: Expected an archive from file:.*truncated or "
                                         "damaged tar archive.*it was deleted"):
        utils.get_file("folder", archive.as_uri(), untar=True, cache_dir=str(cache))
    assert sorted(os.listdir(cache / "datasets")) == []


def test_a_truncated_cached_archive_is_replaced(tmp_path, capsys):
    good = _tar_gz(tmp_path / "src.tar.gz", {"folder/a.bin": os.urandom(40000)})
    cached = tmp_path / "cache" / "datasets" / "folder.tar.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(good.read_bytes()[:-5000])  # no hash given: found on extraction
    folder = utils.get_file("folder", good.as_uri(), untar=True, cache_dir=str(tmp_path / "cache"))
    assert "truncated or damaged tar archive" in capsys.readouterr().out
    assert os.path.getsize(os.path.join(folder, "a.bin")) == 40000


def test_untar_of_an_archive_without_the_folder_says_so(tmp_path):
    archive = _tar_gz(tmp_path / "src.tar.gz", {"other/a.txt": b"A"})
    with pytest.raises(ValueError, match="get_file: Expected the archive .*folder.tar.gz to hold "
                                         "'folder'. Received: an archive without it"):
        utils.get_file("folder", archive.as_uri(), untar=True, cache_dir=str(tmp_path / "cache"))


def test_offline_error_names_the_url_the_cache_path_and_the_rejected_copy(tmp_path):
    cached = tmp_path / "cache" / "datasets" / "data.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(PAYLOAD[:10])
    url = (tmp_path / "gone.bin").as_uri()
    with pytest.raises(OSError) as info:
        utils.get_file("data.bin", url, file_hash=SHA256, cache_dir=str(tmp_path / "cache"))
    error = info.value
    assert isinstance(error, data_utils.FetchError)
    assert (error.origin, error.path) == (url, str(cached))
    assert str(error).startswith(f"get_file: URL fetch failure on {url}: ")
    assert f"The cached file {cached} was not used: it does not match the expected sha256" \
        in str(error)
    assert f"download {url} elsewhere and put it at {cached}." in str(error)
    assert cached.read_bytes() == PAYLOAD[:10]  # left for the user to inspect or replace


def test_a_tar_link_out_of_the_cache_is_refused(tmp_path):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as tar:
        link = tarfile.TarInfo("folder/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(ValueError, match="unsafe member"):
        data_utils._extract_archive(str(archive), str(tmp_path / "target"))
    assert os.listdir(tmp_path / "target") == []
