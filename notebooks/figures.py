"""Drawing code for the lecture notebooks.

The notebooks compute everything they plot; these functions only draw it, so that a
lecture shows one short call per picture instead of a page of matplotlib. Keep this
file next to the notebooks: they import it with ``import figures``.

Every function draws one figure and shows it with ``plt.show()``; none returns
anything, so a call as the last line of a cell prints nothing.

The words in the pictures (titles, axis labels, legends) follow the edition: a translated
edition (``python -m grading translate``) writes ``course_language.py`` beside its copy of this
file, and ``_t`` looks each English text up in that language's table. Chinese needs a CJK font
(e.g. Debian's ``fonts-noto-cjk``); without one the pictures keep their English words rather than
show empty boxes.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.patches import Patch
from torch import nn

try:
    from course_language import LANGUAGE  # written beside this file by the generator of an edition
except ImportError:
    LANGUAGE = "en"

# Each English text, or template of one, in the other languages.
_LABELS = {"zh": {
    "weight": "权重", "bias": "偏置", "parameter name": "参数名称", "number of values": "值的个数",
    "Where the {n} values of the network are": "网络的 {n} 个值在哪里",
    "input feature j": "输入特征 j", "output unit i": "输出单元 i", "{name}, shape {shape}": "{name}，形状 {shape}",
    "value": "值", "'' (root)": "''（根）", "depth {d}": "深度 {d}",
    "leaves in registration order, left to right (the order nn.Sequential runs them)":
        "叶子按注册顺序从左到右排列（即 nn.Sequential 运行它们的顺序）",
    "modules left to right in the order they were first registered": "模块按首次注册的顺序从左到右排列",
    "path of '{name}'": "'{name}' 的路径", "one module, several names": "一个模块，多个名称",
    "Module tree of rgnet = Sequential(block2(), Linear(4, 1))": "rgnet = Sequential(block2(), Linear(4, 1)) 的模块树",
    "Module tree of the tied network: one Linear under two names": "绑定网络的模块树：一个 Linear，两个名称",
    "all {v}": "全为 {v}", "count": "计数",
    "non-zero weights": "非零权重", "theory (non-zero part)": "理论值（非零部分）",
    "exact zeros:\n{share}": "精确的零：\n{share}", "density": "密度", "weights": "权重", "theory": "理论值",
    "weight value": "权重值", "default: U(±1/√256)": "默认：U(±1/√256)",
    "init_constant and init_42": "init_constant 与 init_42",
    "my_init: the mixture": "my_init：混合分布",
    "Weights of a 256×256 Linear layer under each initialisation": "256×256 Linear 层在各种初始化下的权重",
    "use at position 2 (untied twin)": "位置 2 的使用（未绑定的孪生网络）",
    "use at position 4 (untied twin)": "位置 4 的使用（未绑定的孪生网络）",
    "tied: shared.weight.grad": "绑定：shared.weight.grad", "input unit $j$": "输入单元 $j$",
    "output unit $i$": "输出单元 $i$",
    "gradient $\\partial L / \\partial W_{ij}$": "梯度 $\\partial L / \\partial W_{ij}$",
    "The shared weight's gradient is the entry-by-entry sum of its two uses":
        "共享权重的梯度逐项等于两次使用的梯度之和",
    "training loss": "训练损失", "gradient norm of each weight": "每个权重的梯度范数",
    "distance from the initial weight": "离初始权重的距离", "SGD step": "SGD 步数",
    "shared (positions 2 and 4)": "共享（位置 2 和 4）", "its use at position 2": "它在位置 2 的使用",
    "its use at position 4": "它在位置 4 的使用", "layer 0": "第 0 层", "layer 6": "第 6 层",
    "tied (one shared module)": "绑定（一个共享模块）",
    "values copied once (untied twin)": "只复制一次数值（未绑定的孪生网络）",
    "Copied values drift apart during training; tied parameters cannot":
        "复制的数值在训练中逐渐分开；绑定的参数不会",
}}
# Fonts with CJK glyphs, tried in this order; matplotlib falls back to DejaVu Sans for what they lack.
_CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei",
              "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS"]


def _font() -> str | None:
    """The first installed CJK font, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in _CJK_FONTS if name in installed), None)


if LANGUAGE == "zh" and _font() is None:
    LANGUAGE = "en"  # no font can draw the Chinese words: English words beat empty boxes
elif LANGUAGE == "zh":
    plt.rcParams["font.sans-serif"] = [_font(), "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False


def _t(text: str, **values) -> str:
    """``text`` in the edition's language (itself when the table has no entry), with ``values`` filled in
    (a text given without values, such as a title from a notebook, is not a template)."""
    text = _LABELS.get(LANGUAGE, {}).get(text, text)
    return text.format(**values) if values else text

_KIND_COLOURS = {"Sequential": "#cfe2f3", "Linear": "#fce5cd", "ReLU": "#d9ead3"}


# --------------------------------------------------------------------------- lecture 01
def parameter_sizes(net: nn.Module, weight_name: str = "0.weight") -> None:
    """Bar chart of how many values each parameter holds, beside a heat map of one weight."""
    named = list(net.named_parameters())
    names = [name for name, _ in named]
    sizes = [p.numel() for _, p in named]
    colours = ["tab:blue" if n.endswith("weight") else "tab:orange" for n in names]
    weight = dict(named)[weight_name].detach()

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
    ax1.bar(range(len(names)), sizes, color=colours)
    ax1.set_xticks(range(len(names)), names)
    ax1.legend(handles=[Patch(color="tab:blue", label=_t("weight")),
                        Patch(color="tab:orange", label=_t("bias"))])
    ax1.set_xlabel(_t("parameter name"))
    ax1.set_ylabel(_t("number of values"))
    ax1.set_title(_t("Where the {n} values of the network are", n=sum(sizes)))
    limit = float(weight.abs().max())
    im = ax2.imshow(weight.numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax2.set_xlabel(_t("input feature j"))
    ax2.set_ylabel(_t("output unit i"))
    ax2.set_title(_t("{name}, shape {shape}", name=weight_name, shape=tuple(weight.shape)))
    fig.colorbar(im, ax=ax2, label=_t("value"))
    fig.tight_layout()
    plt.show()


# --------------------------------------------------------------------- lectures 02, 04
def _curve(p, q, bend):
    """Points of a quadratic Bezier curve from p to q, bent sideways by `bend`."""
    (x1, y1), (x2, y2) = p, q
    cx = (x1 + x2) / 2 + bend * (y2 - y1)
    cy = (y1 + y2) / 2 - bend * (x2 - x1)
    t = np.linspace(0, 1, 30)[:, None]
    pts = (1 - t) ** 2 * np.array(p) + 2 * (1 - t) * t * np.array([cx, cy]) + t ** 2 * np.array(q)
    return pts[:, 0], pts[:, 1]


def module_tree(model: nn.Module, title: str, highlight: str = "",
                show_sharing: bool = False) -> None:
    """Draw the modules of `model` as a tree, laid out from its named_modules().

    One box per module object. Leaves take the x positions 0, 1, 2, ... in registration
    order (the order in which nn.Sequential runs them); a parent sits above its children.
    `highlight`, a dotted parameter name such as '0.block1.0.bias', draws its path in red.
    With show_sharing=True the names come from named_modules(remove_duplicate=False), so a
    module registered under several names is still one box, reached by one edge per name.
    """
    named = list(model.named_modules(remove_duplicate=not show_sharing))
    module_of = {name: m for name, m in named}
    node_of = {name: id(m) for name, m in named}          # a module object is one node
    names_of, first_name = {}, {}
    for name, m in named:
        names_of.setdefault(id(m), []).append(name)
        first_name.setdefault(id(m), name)
    nodes = list(first_name)                                 # distinct modules, first-seen order

    edges = {}                                               # (parent node, child node) -> child names
    for name, _ in named:
        if name:
            parent = node_of[name.rpartition(".")[0]]
            edges.setdefault((parent, node_of[name]), []).append(name.rpartition(".")[2])
    kids = {n: [] for n in nodes}
    for parent, child in edges:
        if child not in kids[parent]:
            kids[parent].append(child)
    depth = {n: min(name.count(".") + 1 if name else 0 for name in names_of[n]) for n in nodes}

    x, next_slot = {}, 0

    def place(n):
        nonlocal next_slot
        if n in x:
            return
        if not kids[n]:
            x[n], next_slot = next_slot, next_slot + 1
            return
        for c in kids[n]:
            place(c)
        x[n] = sum(x[c] for c in kids[n]) / len(kids[n])

    place(nodes[0])

    parts = highlight.split(".")[:-1] if highlight else []
    path_names = {".".join(parts[:k]) for k in range(len(parts) + 1)} if highlight else set()
    on_path = {node_of[name] for name in path_names if name in node_of}
    shared = {n for n in nodes if len(names_of[n]) > 1}

    fig, ax = plt.subplots(figsize=(11, 4.6 if max(depth.values()) > 1 else 3.2))
    for (parent, child), child_names in edges.items():
        red = parent in on_path and child in on_path
        bends = [0.0] if len(child_names) == 1 else np.linspace(-0.25, 0.25, len(child_names))
        curves = sorted((_curve((x[parent], -depth[parent]), (x[child], -depth[child]), bend)
                         for bend in bends), key=lambda c: c[0][15])   # left to right
        for (xs, ys), child_name in zip(curves, child_names):
            ax.plot(xs, ys, color="crimson" if red else "0.6", lw=2.2 if red else 0.9, zorder=1)
            if len(child_names) > 1:
                ax.text(xs[15], ys[15], f"'{child_name}'", fontsize=8, color="purple",
                        ha="center", va="center", zorder=2,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    for n in nodes:
        m = module_of[first_name[n]]
        kind = type(m).__name__
        short = " / ".join(name.rpartition(".")[2] for name in names_of[n])
        label = f"{short}: {kind}" if first_name[n] else _t("'' (root)")
        if isinstance(m, nn.Linear):
            label += f"\nW {tuple(m.weight.shape)}"
            if m.bias is not None:
                label += f"\nb {tuple(m.bias.shape)}"
        edge_colour = "crimson" if n in on_path else ("purple" if n in shared else "0.35")
        ax.text(x[n], -depth[n], label, ha="center", va="center", fontsize=7, zorder=3,
                bbox=dict(boxstyle="round,pad=0.3", fc=_KIND_COLOURS.get(kind, "white"),
                          ec=edge_colour, lw=1.6 if edge_colour != "0.35" else 0.7))
    max_depth = max(depth.values())
    ax.set_xlim(-0.6, next_slot - 0.4)
    ax.set_ylim(-max_depth - 0.45, 0.35)
    ax.set_yticks([-d for d in range(max_depth + 1)], [_t("depth {d}", d=d) for d in range(max_depth + 1)])
    ax.set_xticks([])
    ax.set_xlabel(_t("leaves in registration order, left to right (the order nn.Sequential runs them)")
                  if not shared else _t("modules left to right in the order they were first registered"))
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [Patch(fc=c, ec="0.35", label=k) for k, c in _KIND_COLOURS.items()]
    if highlight:
        handles.append(Patch(fc="white", ec="crimson", label=_t("path of '{name}'", name=highlight)))
    if shared:
        handles.append(Patch(fc="white", ec="purple", label=_t("one module, several names")))
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    ax.set_title(_t(title))
    fig.tight_layout()
    plt.show()


# --------------------------------------------------------------------------- lecture 03
def init_histograms(panels) -> None:
    """Histograms of initialised weights, each with the density it should follow.

    `panels` is a list of (title, weights, theory) with `weights` a 1-D tensor and
    `theory` one of ("uniform", a) for U(-a, a), ("normal", std), ("constants", [c, ...])
    or ("mixture", None) for the custom mixture of the lecture.
    """
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.1 * rows))
    for ax, (title, weights, (kind, param)) in zip(axes.flat, panels):
        w = weights.numpy()
        if kind == "constants":
            values, counts = np.unique(w, return_counts=True)
            ax.bar(values, counts, width=1.0, color="tab:blue")
            for v, c in zip(values, counts):
                ax.text(v, c, _t("all {v}", v=f"{v:g}"), ha="center", va="bottom", fontsize=8)
            ax.set_xlim(min(param) - 3, max(param) + 3)
            ax.set_ylim(0, 1.2 * counts.max())
            ax.set_ylabel(_t("count"))
        elif kind == "mixture":
            zeros = float((w == 0).mean())
            ax.hist(w[w != 0], bins=80, density=True, color="tab:blue", alpha=0.7,
                    label=_t("non-zero weights"))
            ax.hlines(1 / 10, 5, 10, color="tab:red", lw=2, label=_t("theory (non-zero part)"))
            ax.hlines(1 / 10, -10, -5, color="tab:red", lw=2)
            ax.text(0, 0.05, _t("exact zeros:\n{share}", share=f"{zeros:.1%}"), ha="center", fontsize=9)
            ax.set_ylim(0, 0.16)
            ax.set_ylabel(_t("density"))
        else:
            ax.hist(w, bins=80, density=True, color="tab:blue", alpha=0.7, label=_t("weights"))
            if kind == "uniform":
                ax.hlines(1 / (2 * param), -param, param, color="tab:red", lw=2, label=_t("theory"))
                ax.set_xlim(-0.2, 0.2)
            else:  # normal
                xs = np.linspace(-4 * param, 4 * param, 200)
                ax.plot(xs, np.exp(-xs ** 2 / (2 * param ** 2)) / (param * np.sqrt(2 * np.pi)),
                        color="tab:red", lw=2, label=_t("theory"))
                ax.set_xlim(-4 * param, 4 * param)
            ax.set_ylabel(_t("density"))
        ax.set_xlabel(_t("weight value"))
        ax.set_title(_t(title), fontsize=10)
        if kind != "constants":
            ax.legend(fontsize=7, loc="upper center" if kind == "mixture" else "upper right")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(_t("Weights of a 256×256 Linear layer under each initialisation"))
    fig.tight_layout()
    plt.show()


# --------------------------------------------------------------------------- lecture 04
def gradient_sum(g_use1, g_use2, g_tied) -> None:
    """Three heat maps on one colour scale: the gradient of each use, and of the shared weight."""
    panels = [(g_use1, _t("use at position 2 (untied twin)")),
              (g_use2, _t("use at position 4 (untied twin)")),
              (g_tied, _t("tied: shared.weight.grad"))]
    vmax = max(float(g.abs().max()) for g, _ in panels)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), layout="constrained")
    for ax, (g, title) in zip(axes, panels):
        im = ax.imshow(g.numpy(), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(_t(title), fontsize=10)
        ax.set_xlabel(_t("input unit $j$"))
        ax.set_ylabel(_t("output unit $i$"))
    fig.colorbar(im, ax=axes, shrink=0.9, label=_t(r"gradient $\partial L / \partial W_{ij}$"))
    fig.suptitle(_t("The shared weight's gradient is the entry-by-entry sum of its two uses"))
    plt.show()


def tied_training(history: dict) -> None:
    """Loss, gradient norms and distance from the initial weights, per SGD step.

    `history` maps "loss" to a list of floats, and "grad" and "moved" to dicts from a
    curve's label to a list of floats (one per step).
    """
    steps = np.arange(len(history["loss"]))
    styles = {"shared (positions 2 and 4)": dict(color="purple", lw=2.2),
              "its use at position 2": dict(color="purple", ls="--", lw=1),
              "its use at position 4": dict(color="purple", ls=":", lw=1.4)}
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 3.4))
    ax1.plot(steps, history["loss"], color="0.2")
    ax1.set_title(_t("training loss"))
    ax1.set_ylabel("MSE")
    for label, values in history["grad"].items():
        ax2.plot(steps, values, label=_t(label), **styles.get(label, {}))
    ax2.set_yscale("log")
    ax2.set_title(_t("gradient norm of each weight"))
    ax2.set_ylabel(r"$\|\partial L / \partial W\|$")
    ax2.legend(fontsize=7)
    for label, values in history["moved"].items():
        ax3.plot(steps, values, label=_t(label), **styles.get(label, {}))
    ax3.set_title(_t("distance from the initial weight"))
    ax3.set_ylabel(r"$\|W_t - W_0\|$")
    ax3.legend(fontsize=7)
    for ax in (ax1, ax2, ax3):
        ax.set_xlabel(_t("SGD step"))
    fig.tight_layout()
    plt.show()


def copy_drift(gaps_tied, gaps_copied) -> None:
    """max |W2 - W4| per step for a tied network and for one whose values were only copied."""
    steps = np.arange(1, len(gaps_tied) + 1)
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(steps, gaps_tied, marker="o", markersize=3, label=_t("tied (one shared module)"))
    ax.plot(steps, gaps_copied, marker="s", markersize=3, label=_t("values copied once (untied twin)"))
    ax.set_xlabel(_t("SGD step"))
    ax.set_ylabel(r"max $|W_2 - W_4|$")
    ax.set_title(_t("Copied values drift apart during training; tied parameters cannot"))
    ax.legend()
    plt.show()
