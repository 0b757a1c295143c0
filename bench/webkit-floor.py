#!/usr/bin/python3
"""The memory floor of WebKitGTK on this machine, for docs/benchmarks.md: a GTK window with one
WebKitWebView (the same settings envdesk's webview gets: no accelerated compositing, document-viewer
cache) showing a one-line page, measured like bench/app-perf.mjs measures the app (RSS and PSS of the
window's process and WebKit's helper processes, 4 s after the page loaded)."""
import os
import re
import subprocess

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402


def memory(pids):
    rss = pss = 0
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            s = f.read()
        rss += int(re.search(r"^Rss:\s+(\d+)", s, re.M).group(1))
        pss += int(re.search(r"^Pss:\s+(\d+)", s, re.M).group(1))
    return rss / 1024, pss / 1024


def measure():
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    helpers = [int(l.split()[0]) for l in out.splitlines()
               if int(l.split()[1]) == os.getpid() and re.search(r"WebKit(Web|Network|GPU)Process", l)]
    pids = [os.getpid()] + helpers
    rss, pss = memory(pids)
    each = ", ".join(f"{open(f'/proc/{p}/cmdline').read().split(chr(0))[0].split('/')[-1]} {memory([p])[1]:.0f}" for p in pids)
    print(f"WebKitGTK floor (blank page): RSS {rss:.0f} MB, PSS {pss:.0f} MB ({len(pids)} processes; PSS: {each})")
    Gtk.main_quit()


def loaded(_view, event):
    if event == WebKit2.LoadEvent.FINISHED:
        GLib.timeout_add(4000, measure)


window = Gtk.Window()
window.set_default_size(1280, 800)
view = WebKit2.WebView()
view.get_settings().set_hardware_acceleration_policy(WebKit2.HardwareAccelerationPolicy.NEVER)
view.get_context().set_cache_model(WebKit2.CacheModel.DOCUMENT_VIEWER)
view.connect("load-changed", loaded)
window.add(view)
view.load_html("<p>blank</p>", None)
window.show_all()
Gtk.main()
