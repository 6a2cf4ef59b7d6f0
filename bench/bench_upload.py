"""Upload throughput of ~1 MB images: the browser's upload page against the API, in one run.

Both targets go to the same gunicorn on PostgreSQL, with the same concurrency (the page's own
parallelism, read from its config): Chromium (Playwright) drops all images on the real drop zone and the
page posts each through XHR; then `requests` threads post the same files to the same endpoint. Each
target fills its own client, so neither sees the other's images as duplicates. Prints images per
second and MB/s for both and the ratio, then checks every image was stored exactly once.

    .venv/bin/python bench/bench_upload.py [--images 40] [--workers 4] [--mb 1.0]
"""
import argparse
import base64
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psycopg
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = "tastemaker_bench_upload"
PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "Bench-" + secrets.token_hex(12)  # a throwaway manager in a throwaway database
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--mb", type=float, default=1.0, help="target size of each image in MB")
    parser.add_argument("--shot", help="save a screenshot of the page while the uploads are in flight here")
    args = parser.parse_args()
    images = make_images(args.images, int(args.mb * 1_000_000))
    total_mb = sum(len(data) for _, _, data in images) / 1e6
    print(f"{len(images)} images, {total_mb:.1f} MB in all (mean {total_mb / len(images):.2f} MB, "
          f"half PNG, half JPEG), gunicorn -w {args.workers}")
    media = Path(tempfile.mkdtemp(prefix="bench-upload-media-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.upload_settings", "BENCH_DB": DB,
           "BENCH_MEDIA_ROOT": str(media), "PYTHONPATH": str(ROOT)}
    _create_database()
    server = None
    try:
        _prepare(env)
        server = _start_gunicorn(env, args.workers)
        browser_s, parallel = _through_browser(images, args.shot)
        print(f"concurrency (the page's own): {parallel} uploads in flight")
        api_s = _through_api(images, parallel)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stored = _count_creatives()
        _drop_database()
        shutil.rmtree(media, ignore_errors=True)
    _report(len(images), total_mb, browser_s, api_s, stored, parallel)


def make_images(count: int, target_bytes: int) -> list[tuple[str, str, bytes]]:
    """Noisy images (incompressible, so each really is about target_bytes), half PNG, half JPEG."""
    rng = np.random.default_rng(7)
    png_side = int((target_bytes / 3) ** 0.5)
    jpeg_side = _jpeg_side(rng, target_bytes)
    images = []
    for i in range(count):
        kind = "png" if i % 2 == 0 else "jpeg"
        side = png_side if kind == "png" else jpeg_side
        pixels = rng.integers(0, 256, (side, side, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format=kind.upper(), **({"quality": 92} if kind == "jpeg" else {}))
        images.append((f"img-{i:03}.{'png' if kind == 'png' else 'jpg'}", f"image/{kind}", buffer.getvalue()))
    return images


def _jpeg_side(rng, target_bytes: int) -> int:
    side = 600
    for _ in range(3):
        buffer = io.BytesIO()
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(buffer, "JPEG", quality=92)
        side = int(side * (target_bytes / len(buffer.getvalue())) ** 0.5)
    return side


# ---- The server ----

def _create_database() -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")


def _drop_database() -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def _prepare(env: dict) -> None:
    """Schema, two clients (one per target) and a manager of both, with the project's own commands."""
    def manage(*argv: str) -> None:
        subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)

    manage("migrate", "-v0")
    for slug in ("bench-web", "bench-api"):
        manage("create_client", slug, "--name", slug)
        manage("add_member", slug, "bench-manager", "manager", f"--password={PASSWORD}")


def _start_gunicorn(env: dict, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.load_site_wsgi:application", "-b", f"127.0.0.1:{PORT}",
         "-w", str(workers), "--preload", "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(f"{BASE}/login/", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not answer within 120 s")


def _count_creatives() -> dict[str, int]:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB}") as conn:
        rows = conn.execute(
            "SELECT c.slug, count(cr.id) FROM feedback_client c LEFT JOIN feedback_creative cr ON cr.client_id = c.id "
            "GROUP BY c.slug"
        ).fetchall()
    return dict(rows)


# ---- The two targets ----

def _through_browser(images, shot: str | None) -> tuple[float, int]:
    """Seconds from the drop on the real drop zone until the page says every file is done, and the
    page's parallelism (read from its config, so the API target uses the same)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(600_000)
        page.goto(f"{BASE}/login/")
        page.fill("input[name=username]", "bench-manager")
        page.fill("input[name=password]", PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{BASE}/")
        page.goto(f"{BASE}/c/bench-web/creatives/upload/")
        parallel = json.loads(page.text_content("#upload-config"))["parallel"]
        _drop(page, _warm_ups(parallel))  # unmeasured: every worker opens its database connection
        page.wait_for_selector("#summary[data-done=true]")
        transfer = _data_transfer(page, images)
        page.evaluate(CLOCK_SCRIPT, len(images) + parallel)
        page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
        if shot:
            page.wait_for_selector("#uploads [data-state=uploading]")
            page.screenshot(path=shot, full_page=True)
        page.wait_for_function("() => window.benchEnd !== undefined", polling=50)
        elapsed = page.evaluate("() => (window.benchEnd - window.benchStart) / 1000")
        skipped = page.locator("#uploads [data-state=skipped]").count()
        browser.close()
    if skipped:
        raise SystemExit(f"the page skipped {skipped} images")
    return elapsed, parallel


# The page's own clock: from the drop event (a capturing listener runs before the zone's) to the
# moment the summary says every file is done, so neither Playwright's polling nor a screenshot counts.
CLOCK_SCRIPT = """n => {
    window.addEventListener("drop", () => { window.benchStart = performance.now(); }, { capture: true, once: true });
    const summary = document.getElementById("summary");
    new MutationObserver((changes, observer) => {
        const created = document.querySelectorAll("#uploads [data-state=created]").length;
        if (summary.dataset.done === "true" && created >= n && window.benchEnd === undefined) {
            window.benchEnd = performance.now();
            observer.disconnect();
        }
    }).observe(document.getElementById("uploads"), { attributes: true, subtree: true, childList: true });
}"""


def _data_transfer(page, images):
    """A DataTransfer of File objects built in the page, file by file (unmeasured)."""
    page.evaluate("() => { window.benchFiles = []; }")
    for name, kind, data in images:
        page.evaluate(
            "([name, kind, b64]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));"
            " window.benchFiles.push(new File([bytes], name, { type: kind })); }",
            [name, kind, base64.b64encode(data).decode()],
        )
    return page.evaluate_handle(
        "() => { const t = new DataTransfer(); window.benchFiles.forEach(f => t.items.add(f)); return t; }"
    )


def _drop(page, files) -> None:
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": _data_transfer(page, files)})


def _through_api(images, parallel: int) -> float:
    """Seconds for `requests` threads (as many as the page uses) to post every image to the API."""
    token = requests.post(f"{BASE}/api/v1/auth/token/", data={"username": "bench-manager", "password": PASSWORD},
                          timeout=30).json()["token"]
    url = f"{BASE}/api/v1/clients/bench-api/creatives/"
    sessions = {}

    def post(item) -> int:
        name, kind, data = item
        session = sessions.setdefault(_thread_id(), requests.Session())
        response = session.post(url, headers={"Authorization": f"Token {token}"}, timeout=300,
                                data={"external_id": name.rsplit(".", 1)[0]}, files={"image": (name, data, kind)})
        return response.status_code

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(post, _warm_ups(parallel)))
        started = time.perf_counter()
        codes = list(pool.map(post, images))
        elapsed = time.perf_counter() - started
    failed = [code for code in codes if code != 201]
    if failed:
        raise SystemExit(f"the API refused {len(failed)} images: {failed[:5]}")
    return elapsed


def _thread_id() -> int:
    import threading

    return threading.get_ident()


def _warm_ups(count: int) -> list[tuple[str, str, bytes]]:
    return [(f"warm-up-{i}.png", "image/png", _small_png()) for i in range(count)]


def _small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _report(count: int, total_mb: float, browser_s: float, api_s: float, stored: dict[str, int],
            warm_ups: int) -> None:
    print(f"{'target':<28}{'seconds':>9}{'images/s':>10}{'MB/s':>8}")
    for label, seconds in (("browser page (drop zone)", browser_s), ("API direct (requests)", api_s)):
        print(f"{label:<28}{seconds:>9.2f}{count / seconds:>10.2f}{total_mb / seconds:>8.2f}")
    print(f"browser / API throughput: {api_s / browser_s:.2f}")
    expected = {"bench-web": count + warm_ups, "bench-api": count + warm_ups}
    verdict = "ok" if stored == expected else f"MISMATCH, expected {expected}"
    print(f"creatives stored: {stored} ({verdict}; each includes {warm_ups} unmeasured warm-up images)")


if __name__ == "__main__":
    main()
