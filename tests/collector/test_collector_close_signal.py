"""A SIGTERM that arrives while the collector lands what it holds and closes (a supervisor's second
signal, `docker stop` after an earlier `kill`) does not kill it with the default action: the close
goes to the end. A real process, since the default action would end the test's own."""
from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import asyncio, os, signal, sys, time
    from pathlib import Path
    from mmwatch.config import parse_config
    from mmwatch.collector.collector import Collector
    from mmwatch.collector.sinks import LandingSink
    from mmwatch.settings import DataDir

    class SignalledWhileClosing(LandingSink):
        def close(self):
            os.kill(os.getpid(), signal.SIGTERM)  # the default action would end the process right here
            time.sleep(0.2)
            super().close()
            print("sink closed", flush=True)

    async def main():
        collector = Collector(parse_config({"exchanges": {"binance": {"markets": ["BTC/USDT"]}}}),
                              SignalledWhileClosing(DataDir(Path(sys.argv[1])).ensure(), background=False))
        await collector.run_forever(0.2)
        await collector.close()
        print("closed", flush=True)

    asyncio.run(main())
''')


def test_a_sigterm_while_closing_does_not_cut_the_close(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert done.stdout.split() == ["sink", "closed", "closed"]
    assert "SIGTERM while landing what is held and closing: finishing that first" in done.stderr
