"""Static files as production (and `make run`) serve them: content-hashed names, pre-compressed
(br/gzip), cached for a year. Uses a tiny static tree of its own: the suite needs no
collectstatic."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

CSS = "body { color: #123456; }\n" * 400 + ".icon { background: url('../img/dot.svg'); }\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>\n'


@pytest.fixture
def manifest_static(tmp_path):
    source = tmp_path / "src"
    (source / "css").mkdir(parents=True)
    (source / "img").mkdir()
    (source / "css" / "app.css").write_text(CSS)
    (source / "img" / "dot.svg").write_text(SVG)
    with override_settings(
        STATIC_ROOT=str(tmp_path / "root"), STATICFILES_DIRS=[str(source)], DEBUG=False,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={**settings.STORAGES,
                  "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}},
        WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", "--noinput", verbosity=0)
        yield tmp_path / "root"


def test_production_serves_hashed_compressed_static_files_cached_for_a_year(manifest_static):
    from django.templatetags.static import static
    from whitenoise.middleware import WhiteNoiseMiddleware

    url = static("css/app.css")
    assert url.startswith("/static/css/app.") and url != "/static/css/app.css"  # content hash in the name
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    for encoding in ("br", "gzip"):
        response = middleware(RequestFactory().get(url, HTTP_ACCEPT_ENCODING=f"{encoding}, deflate"))
        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
        assert int(response["Content-Length"]) < len(CSS) / 5
        cache = response["Cache-Control"]
        assert "immutable" in cache and int(cache.split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600
    # References inside CSS point at hashed names too.
    body = (manifest_static / url.removeprefix("/static/")).read_text()
    assert "../img/dot." in body and "../img/dot.svg" not in body


def test_production_settings_use_the_manifest_storage():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "STATIC_MANIFEST")}
    env.update(DJANGO_SETTINGS_MODULE="xiuhao.config.production", ALLOWED_HOSTS="example.com",
               SECRET_KEY="k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=settings.BASE_DIR)
    assert out.stdout.split() == ["whitenoise.storage.CompressedManifestStaticFilesStorage", "False"], out.stderr
