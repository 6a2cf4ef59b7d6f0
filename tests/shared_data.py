"""Where the project's real data sets live: `shared/data` beside the checkout (as in CI)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# CI lays shared/ beside the clone; a developer's checkout is /work/main beside /work/shared.
_CANDIDATES = [ROOT.parent / "shared" / "data", Path("/work/shared/data")]
SHARED_DATA = Path(
    os.environ.get("TASTEMAKER_SHARED_DATA") or next((p for p in _CANDIDATES if p.exists()), _CANDIDATES[0])
)
BLUEBIRDS = SHARED_DATA / "bluebirds"


def require(path: Path) -> Path:
    """The data set at `path`; a skip on a developer machine without it, a failure in CI."""
    import pytest

    if not path.exists():
        message = f"needs {path} (set TASTEMAKER_SHARED_DATA to the shared/data folder)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    return path
