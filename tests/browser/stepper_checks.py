"""Browser checks of the stepper's page, shared by tests/test_browser.py and the
JupyterLab script beside this file: the state of the step shown, and a click-through.
"""
from __future__ import annotations

VIEWPORT = {"width": 1400, "height": 900}
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# What the page shows at the current step, measured by the browser.
STATE = """(root) => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const step = root.querySelector(".cr-step.cr-on");
  const pane = step.querySelector(".cr-picture"), svg = pane.querySelector("svg");
  const s = svg.getBoundingClientRect();
  const nodes = {};
  for (const g of svg.querySelectorAll("g.node")) {
    const key = [...g.classList].find((c) => /^cr-[vo]\\d+$/.test(c));
    const r = g.getBoundingClientRect();
    nodes[key] = [r.left - s.left, r.top - s.top, r.width, r.height].map(Math.round);
  }
  return {
    shown: [...root.querySelectorAll(".cr-step")].filter((e) => e.offsetParent !== null).length,
    count: root.querySelector(".cr-count").textContent,
    slider: root.querySelector(".cr-slider").value,
    controls: rect(root.querySelector(".cr-controls")),
    text: rect(step.querySelector(".cr-text")),
    pane: rect(pane), node: rect(svg.querySelector("g.node.cr-current")),
    overflowX: pane.scrollWidth - pane.clientWidth,
    nodes: nodes,
  };
}"""


def inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return (inner["left"] >= outer["left"] - slack and inner["top"] >= outer["top"] - slack
            and inner["right"] <= outer["right"] + slack
            and inner["bottom"] <= outer["bottom"] + slack)


def click_through(root, n: int, fits_width: bool, shots: str | None = None,
                  keys: bool = True) -> list[dict]:
    """Next to the end, previous to the start, then the slider and (``keys``) the arrow
    keys: check every step shown by the stepper ``root`` (a Playwright locator); return
    the states seen. ``shots`` (a path prefix) saves a screenshot of each step shown on
    the way forward."""
    page = root.page
    root.evaluate("r => r.querySelector('.cr-controls').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(100)
    layout = None
    seen = []
    window = {"left": 0, "top": 0, "right": VIEWPORT["width"], "bottom": VIEWPORT["height"]}

    def check(k: int) -> None:
        nonlocal layout
        state = root.evaluate(STATE)
        assert state["shown"] == 1 and state["count"] == f"Step {k} of {n}", state
        assert state["slider"] == str(k)
        assert inside(state["controls"], window) and inside(state["text"], window)
        # the step's node is in view: inside the picture's visible part, inside the window
        node, pane = state["node"], state["pane"]
        visible = {"left": max(node["left"], pane["left"]), "top": max(node["top"], pane["top"]),
                   "right": min(node["right"], pane["right"]),
                   "bottom": min(node["bottom"], pane["bottom"])}
        assert visible["right"] - visible["left"] >= min(30, node["right"] - node["left"])
        assert visible["bottom"] - visible["top"] >= min(30, node["bottom"] - node["top"])
        assert inside(visible, window)
        if fits_width:
            assert state["overflowX"] <= 1
        if layout is None:
            layout = state["nodes"]
        assert state["nodes"] == layout               # nothing moved within the picture
        seen.append(state)

    check(1)
    for k in range(1, n + 1):
        if k > 1:
            root.locator(".cr-next").click()
            check(k)
        if shots:
            page.screenshot(path=f"{shots}{k}.png")
    assert root.locator(".cr-next").is_disabled()
    for k in range(n - 1, 0, -1):
        root.locator(".cr-prev").click()
        check(k)
    assert root.locator(".cr-prev").is_disabled()
    slider = root.locator(".cr-slider")
    for k in (n, (n + 1) // 2, 1):
        slider.fill(str(k))
        check(k)
    if keys:
        slider.focus()
        page.keyboard.press("ArrowRight")              # our key handler, not the slider's
        check(2)
    return seen
