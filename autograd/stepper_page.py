"""The stepper on screen: a self-contained HTML fragment, a standalone page, a widget.

The fragment holds every step (its text and its SVG picture) in order, so with
JavaScript stripped (a static notebook viewer, an untrusted notebook) it reads
as the whole pass, step after step. A few lines of inline JavaScript turn it
into one step at a time: previous / next buttons, a slider counting 1..N, and
the arrow keys; the controls and the text sit above the picture, which
scrolls by itself to centre the step's node. Nothing is loaded from anywhere
and no kernel is needed, so it works in JupyterLab, classic Notebook,
``nbconvert --to html`` output opened from disk, and a reopened notebook.

>>> from autograd import BackpropStepper, Value
>>> x = Value(3.0, label="x"); y = (x * x).tanh(); y.label = "y"
>>> html = fragment(BackpropStepper(y))
>>> html.count("data-step="), 'min="1" max="2"' in html, "Step 2 of 2: " in html
(2, True, True)
"""
from __future__ import annotations

import html
import os
import uuid
from pathlib import Path
from typing import Any

from .rendering import GraphvizNotFoundError
from .viz import GraphTooLargeError

TEXT_LINES = 14      # taller explanations scroll, so controls, text and picture fit 900 px
PICTURE_HEIGHT = 420

_STYLE = """
#{uid} {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }}
#{uid} .cr-text {{ font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px;
  line-height: 1.35; margin: 6px 0; padding: 6px 8px; background: #f9fafb;
  border: 1px solid #e5e7eb; border-radius: 4px; white-space: pre; overflow-x: auto; }}
#{uid} .cr-picture {{ overflow: auto; border: 1px solid #e5e7eb; border-radius: 4px;
  margin-bottom: 14px; }}
#{uid} .cr-picture svg {{ max-width: none; height: auto; display: block; margin: 0 auto; }}
#{uid}.cr-live .cr-step {{ display: none; }}
#{uid}.cr-live .cr-step.cr-on {{ display: block; }}
#{uid}.cr-live .cr-controls {{ display: flex !important; }}
#{uid}.cr-live .cr-text {{ height: {text_height}em; overflow: auto; }}
#{uid}.cr-live .cr-picture {{ max-height: {picture_height}px; margin-bottom: 0; }}
#{uid} .cr-controls button {{ font-size: 14px; padding: 3px 12px; cursor: pointer; }}
#{uid} .cr-controls button:disabled {{ cursor: default; }}
"""

_SCRIPT = """
(function () {
  var root = document.getElementById("%(uid)s");
  if (!root || root.getAttribute("data-live")) return;
  root.setAttribute("data-live", "1");
  var steps = root.querySelectorAll(".cr-step"), n = steps.length, at = 1;
  var slider = root.querySelector(".cr-slider"), count = root.querySelector(".cr-count");
  var prev = root.querySelector(".cr-prev"), next = root.querySelector(".cr-next");
  function box(nodes) {
    var b = null;
    for (var i = 0; i < nodes.length; i++) {
      var r = nodes[i].getBoundingClientRect();
      b = b ? {left: Math.min(b.left, r.left), top: Math.min(b.top, r.top),
               right: Math.max(b.right, r.right), bottom: Math.max(b.bottom, r.bottom)}
            : {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    }
    return b;
  }
  function centre() {
    // Centre the step (its node, its operation, the inputs it sends to) in the picture,
    // or, if that is too large, the step's node, keeping its top in view.
    var pane = steps[at - 1].querySelector(".cr-picture");
    var own = pane ? pane.querySelectorAll("g.node.cr-current") : [];
    if (!own.length) return;
    var p = pane.getBoundingClientRect(), w = pane.clientWidth, h = pane.clientHeight;
    var b = box(pane.querySelectorAll(
      "g.node.cr-current, g.node.cr-receiving, g.node.cr-feeding"));
    if (b.right - b.left > w || b.bottom - b.top > h) b = box(own);
    pane.scrollLeft += (b.left + b.right) / 2 - (p.left + w / 2);
    var dy = (b.top + b.bottom) / 2 - (p.top + h / 2);
    if (b.bottom - b.top > h) dy = b.top - p.top - 8;
    pane.scrollTop += dy;
  }
  function show(k) {
    at = Math.max(1, Math.min(n, k));
    for (var i = 0; i < n; i++) steps[i].classList.toggle("cr-on", i === at - 1);
    slider.value = at;
    count.textContent = "Step " + at + " of " + n;
    prev.disabled = at === 1;
    next.disabled = at === n;
    centre();
  }
  prev.onclick = function () { show(at - 1); };
  next.onclick = function () { show(at + 1); };
  slider.oninput = function () { show(parseInt(slider.value, 10)); };
  root.onkeydown = function (e) {
    if (e.key === "ArrowLeft") { show(at - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(at + 1); e.preventDefault(); }
  };
  var hint = root.querySelector(".cr-static");
  if (hint) hint.parentNode.removeChild(hint);
  root.classList.add("cr-live");
  show(1);
  setTimeout(centre, 60);  // a notebook may lay the output out after the script has run
})();
"""


def fragment(stepper: Any) -> str:
    """Every step's text and picture with previous / next / slider controls (see module)."""
    n = len(stepper.steps)
    uid = f"cr-{uuid.uuid4().hex[:12]}"
    if n == 0:
        return (f'<div id="{uid}" class="cr-stepper"><pre class="cr-text">'
                f"{html.escape(stepper._nothing)}</pre></div>")
    texts = [stepper.explain(i) for i in range(n)]
    try:
        pictures = [stepper.svg(i) for i in range(n)]
        missing = ""
    except (GraphvizNotFoundError, GraphTooLargeError) as exc:  # the words still teach
        pictures = [""] * n
        missing = f'<p class="cr-missing">{html.escape(str(exc))}</p>'
    lines = min(max(t.count("\n") + 1 for t in texts), TEXT_LINES)
    style = _STYLE.format(uid=uid, text_height=round(lines * 1.35 + 0.9, 2),
                          picture_height=PICTURE_HEIGHT)
    controls = (
        '<div class="cr-controls" style="display:none; align-items:center; gap:10px; '
        'margin:4px 0; flex-wrap:wrap">'
        '<button type="button" class="cr-prev">&#9664; previous</button>'
        f'<input type="range" class="cr-slider" min="1" max="{n}" value="1" step="1" '
        f'aria-label="step" style="width:{min(60 + 24 * n, 360)}px">'
        '<button type="button" class="cr-next">next &#9654;</button>'
        f'<span class="cr-count" style="font-weight:600">Step 1 of {n}</span></div>')
    steps = "".join(
        f'<div class="cr-step{" cr-on" if i == 0 else ""}" data-step="{i + 1}">'
        f'<pre class="cr-text">{html.escape(text)}</pre>'
        # font-size 0: where a sanitizer drops the SVG (an untrusted notebook), its words
        # must not spill out as loose text; the SVG's own text sets its size.
        f'<div class="cr-picture" style="font-size:0px">{picture}</div></div>'
        for i, (text, picture) in enumerate(zip(texts, pictures)))
    static = ('<p class="cr-static" style="color:#6b7280; font-size:12px; margin:2px 0">'
              f"All {n} steps, one after another (the previous / next controls need "
              "JavaScript; in Jupyter, trust the notebook to get them).</p>")
    return (f'<div id="{uid}" class="cr-stepper" tabindex="0" style="outline:none">'
            f"<style>{style}</style>{missing}{static}{controls}{steps}"
            f"<script>{_SCRIPT % {'uid': uid}}</script></div>")


def page(stepper: Any) -> str:
    """A standalone HTML page of the stepper, for a course site or to open from disk."""
    title = stepper._title()
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n</head>\n"
            "<body style=\"margin:16px 24px; font-family: Helvetica, Arial, sans-serif\">\n"
            f"<h1 style=\"font-size:20px\">{html.escape(title)}</h1>\n"
            f"{fragment(stepper)}\n</body>\n</html>\n")


def widget(stepper: Any) -> Any:
    """An ipywidgets view for a live kernel (see ``StepperView.widget``)."""
    import ipywidgets as widgets

    n = len(stepper.steps)
    slider = widgets.IntSlider(value=1, min=1, max=max(n, 1), description="step",
                               continuous_update=False)
    prev = widgets.Button(description="previous", icon="arrow-left")
    nxt = widgets.Button(description="next", icon="arrow-right")
    text = widgets.HTML()
    picture = widgets.HTML(layout=widgets.Layout(max_height=f"{PICTURE_HEIGHT}px",
                                                 overflow="auto"))

    def show(k: int) -> None:
        prev.disabled = k <= 1
        nxt.disabled = k >= n
        if not n:
            text.value = f"<pre>{html.escape(stepper._nothing)}</pre>"
            return
        text.value = f"<pre>{html.escape(stepper.explain(k - 1))}</pre>"
        try:
            picture.value = stepper.svg(k - 1)
        except (GraphvizNotFoundError, GraphTooLargeError) as exc:
            picture.value = f"<pre>{html.escape(str(exc))}</pre>"

    slider.observe(lambda change: show(change["new"]), names="value")
    prev.on_click(lambda _: setattr(slider, "value", max(slider.value - 1, 1)))
    nxt.on_click(lambda _: setattr(slider, "value", min(slider.value + 1, max(n, 1))))
    show(1)
    return widgets.VBox([widgets.HBox([prev, slider, nxt]), text, picture])


class StepperView:
    """The pictures and pages of a stepper (backward or forward), on one layout.

    A stepper gives ``steps``, ``explain(i)`` and ``rankdir``, and says how its
    frames are drawn (``_make_frames``: a :class:`autograd.frames.FrameSet`),
    what its page is titled (``_title``) and what shows when there is no step
    (``_nothing``).
    """

    _frames: Any = None
    _nothing = "There is no step to show."

    def _make_frames(self) -> Any:
        raise NotImplementedError

    def _title(self) -> str:
        raise NotImplementedError

    def _frameset(self) -> Any:
        if self._frames is None:
            self._frames = self._make_frames()
        return self._frames

    def frame(self, i: int) -> Any:
        """Step ``i``'s picture as a drawing on the stepper's one layout: the step's node
        in red, the inputs it works with in orange, what the pass knows so far filled in
        (a ``?`` before), dead derivatives dashed. ``.svg()`` renders it; ``render``
        saves it."""
        return self._frameset().drawing(range(len(self.steps))[i])

    def svg(self, i: int) -> str:
        """Frame ``i`` as SVG text (cached), sized to fit the stepper's width."""
        return self._frameset().svg(range(len(self.steps))[i])

    def html(self) -> str:
        """One self-contained HTML fragment: every step's text and picture, with previous /
        next / slider controls in a few lines of inline JavaScript. It needs no kernel,
        no widget library and no network; without JavaScript every step is shown in turn."""
        return fragment(self)

    def _repr_html_(self) -> str:
        return self.html()

    def save_html(self, path: str | os.PathLike[str]) -> Path:
        """Write the stepper as a standalone HTML page (for a course site); returns the path."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page(self), encoding="utf-8")
        return out

    def widget(self) -> Any:
        """An ipywidgets view for a live kernel: previous / slider (1..N) / next, the
        step's text and its picture. ``children[0]`` holds the buttons and the slider,
        ``children[1]`` the text, ``children[2]`` the picture. Viewing writes no ``.grad``.
        """
        return widget(self)
