"""Times what `run` adds before the program starts, envdesk-cli against dotenvx, side by side in one run.

Each command runs `true` (the program itself costs nothing); the figure is the median wall time of the
command minus the median of `true` alone. Warm runs first (disk cache, envdesk-cli's remembered key
derivation), then ROUNDS alternating runs of each (5 for a command slower than a second).
Usage (from bench/cli-run.sh): python3 cli-run.py ENVDESK_CLI WORKDIR
"""
import os
import statistics
import subprocess
import sys
import time

ROUNDS = 30
cli, work = sys.argv[1], sys.argv[2]
env = dict(os.environ)
commands = {
    "true alone": ["true"],
    "envdesk-cli run (local vault)": [cli, "run", "--env", "bench/t/e", "--", "true"],
    "dotenvx run (encrypted .env)": [os.path.join(work, "node_modules/.bin/dotenvx"), "run", "-q", "-f", ".env", "--", "true"],
}

def once(argv):
    t = time.perf_counter()
    r = subprocess.run(argv, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{argv[0]} failed: {r.stderr.decode()[:500]}")
    return dt * 1000

# Both see the variables (checked once, not timed).
out = subprocess.run([cli, "run", "--env", "bench/t/e", "--", "sh", "-c", "printf %s \"$KEY_0999\""], cwd=work, env=env, capture_output=True)
assert out.stdout.decode() == "value 999 abcdef0123456789", out
out = subprocess.run(commands["dotenvx run (encrypted .env)"][:-1] + ["sh", "-c", "printf %s \"$KEY_0999\""], cwd=work, env=env, capture_output=True)
assert out.stdout.decode() == "value 999 abcdef0123456789", out

# Warm runs; a command slower than a second (dotenvx here) is timed 5 times instead of ROUNDS.
rounds = {}
for k, argv in commands.items():
    first = [once(argv) for _ in range(2)][-1]
    rounds[k] = ROUNDS if first < 1000 else 5
times = {k: [] for k in commands}
for i in range(ROUNDS):
    for k, argv in commands.items():
        if i < rounds[k]:
            times[k].append(once(argv))
base = statistics.median(times["true alone"])
print(f"{'command':34} {'median':>9} {'p90':>9} {'added':>9} runs")
for k, ts in times.items():
    ts.sort()
    med, p90 = statistics.median(ts), ts[max(0, int(len(ts) * 0.9) - 1)]
    print(f"{k:34} {med:8.1f}ms {p90:8.1f}ms {med - base:8.1f}ms {len(ts)}")
e = statistics.median(times["envdesk-cli run (local vault)"]) - base
d = statistics.median(times["dotenvx run (encrypted .env)"]) - base
print(f"envdesk-cli adds {e:.1f} ms, dotenvx {d:.1f} ms: {d / e:.1f}x")
