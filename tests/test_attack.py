"""scripts/attack.py against a served app: every replayed attack of issue 16 is refused."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "attack.py"


def test_every_replayed_attack_is_refused():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--seconds", "150"], capture_output=True, text=True, timeout=240
    )
    summary = re.search(r"attack: (\d+) tried, (\d+) refused", done.stdout)
    assert summary is not None, done.stdout + done.stderr
    tried, refused = int(summary[1]), int(summary[2])
    assert tried == refused == 26, done.stdout
    assert done.returncode == 0
