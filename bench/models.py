"""Benchmark models for bench/compare.py, built with the paddlepaddle wheel.

Every model is made from paddle.vision or from the layer definitions below with
random weights (fixed seed; batch-norm statistics randomised so that folding
them is not a no-op), exported in the legacy format (inference.pdmodel +
inference.pdiparams, FLAGS_enable_pir_api=0) that pdsafe and Paddle Inference
both load:

  resnet50            paddle.vision resnet50, 1x3x224x224
  mobilenet_v3_large  paddle.vision mobilenet_v3_large, 1x3x224x224
  mobilenet_v3_small  paddle.vision mobilenet_v3_small, 1x3x224x224
  pplcnet             PP-LCNet x1.0 (PaddleClas layout), 1x3x224x224
  ocr_det             PP-OCR-style detector: MobileNetV3-large x0.5 backbone,
                      DB-FPN neck (96 ch), DB head, 1x3x640x640
  ocr_rec             PP-OCR-style recogniser: MobileNetV1-enhanced x0.5
                      backbone, SVTR neck (2 transformer blocks), CTC head with
                      6625 classes, 1x3x48x320
  yolo_det            YOLOv3-style detector: paddle.vision mobilenet_v3_small
                      features, a 1x1 head (3 anchors x (5 + 80 classes)),
                      yolo_box and multiclass_nms3 (the NMS keeps a number of
                      rows known only once it ran), 1x3x416x416; not in
                      compare.py's default list (see BENCHMARKS.md)

The layer layouts follow PaddleOCR / PaddleClas (written here from their
published architecture descriptions); exact parameter counts may differ
slightly, which does not matter for a side-by-side timing of the same file.
"""
import os

os.environ.setdefault("FLAGS_enable_pir_api", "0")

import numpy as np  # noqa: E402
import paddle  # noqa: E402
import paddle.nn as nn  # noqa: E402
import paddle.nn.functional as F  # noqa: E402
from paddle.base.layer_helper import LayerHelper  # noqa: E402

INPUTS = {
    "resnet50": [1, 3, 224, 224],
    "mobilenet_v3_large": [1, 3, 224, 224],
    "mobilenet_v3_small": [1, 3, 224, 224],
    "pplcnet": [1, 3, 224, 224],
    "ocr_det": [1, 3, 640, 640],
    "ocr_rec": [1, 3, 48, 320],
    "yolo_det": [1, 3, 416, 416],
    "mlp": [1, 256],
    "mlp_wide": [1, 512],
}


# ---- legacy-op helpers ----------------------------------------------------------
# Paddle 3.3's Python API can no longer emit a few legacy ops in the legacy
# static trace that jit.save uses here; these append them directly.

def _legacy_static():
    return not paddle.in_dynamic_mode() and not paddle.framework.use_pir_api()


def _op(op_type, inputs, attrs=None):
    helper = LayerHelper(op_type)
    first = next(iter(inputs.values()))
    out = helper.create_variable_for_type_inference(first.dtype)
    helper.append_op(type=op_type, inputs={k: [v] for k, v in inputs.items()},
                     outputs={"Out": [out]}, attrs=attrs or {})
    return out


@paddle.jit.not_to_static
def sigmoid(x):
    return F.sigmoid(x) if not _legacy_static() else _op("sigmoid", {"X": x})


@paddle.jit.not_to_static
def swish(x):
    return F.swish(x) if not _legacy_static() else _op("swish", {"X": x}, {"beta": 1.0})


@paddle.jit.not_to_static
def matmul(x, y, trans_y=False):
    if not _legacy_static():
        return paddle.matmul(x, y, transpose_y=trans_y)
    return _op("matmul_v2", {"X": x, "Y": y}, {"trans_x": False, "trans_y": trans_y})


# ---- PP-LCNet ---------------------------------------------------------------

def _make_divisible(v, divisor=8, min_value=None):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNLayer(nn.Layer):
    def __init__(self, cin, cout, k, stride, groups=1, act="hardswish"):
        super().__init__()
        self.conv = nn.Conv2D(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias_attr=False)
        self.bn = nn.BatchNorm2D(cout)
        self.act = act

    def forward(self, x):
        x = self.bn(self.conv(x))
        if self.act == "hardswish":
            x = F.hardswish(x)
        elif self.act == "relu":
            x = F.relu(x)
        elif self.act == "swish":
            x = swish(x)
        return x


class SEModule(nn.Layer):
    def __init__(self, c, reduction=4):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2D(1)
        self.conv1 = nn.Conv2D(c, c // reduction, 1)
        self.conv2 = nn.Conv2D(c // reduction, c, 1)

    def forward(self, x):
        s = self.pool(x)
        s = F.relu(self.conv1(s))
        s = F.hardsigmoid(self.conv2(s))
        return x * s


class DepthwiseSeparable(nn.Layer):
    def __init__(self, cin, cout, k, stride, use_se):
        super().__init__()
        self.dw = ConvBNLayer(cin, cin, k, stride, groups=cin)
        self.se = SEModule(cin) if use_se else None
        self.pw = ConvBNLayer(cin, cout, 1, 1)

    def forward(self, x):
        x = self.dw(x)
        if self.se is not None:
            x = self.se(x)
        return self.pw(x)


PPLCNET_CFG = {
    "blocks2": [[3, 16, 32, 1, False]],
    "blocks3": [[3, 32, 64, 2, False], [3, 64, 64, 1, False]],
    "blocks4": [[3, 64, 128, 2, False], [3, 128, 128, 1, False]],
    "blocks5": [[3, 128, 256, 2, False]] + [[5, 256, 256, 1, False]] * 5,
    "blocks6": [[5, 256, 512, 2, True], [5, 512, 512, 1, True]],
}


class PPLCNet(nn.Layer):
    def __init__(self, scale=1.0, class_num=1000):
        super().__init__()
        d = lambda c: _make_divisible(c * scale)  # noqa: E731
        self.conv1 = ConvBNLayer(3, d(16), 3, 2)
        blocks = []
        for name in ["blocks2", "blocks3", "blocks4", "blocks5", "blocks6"]:
            for k, cin, cout, s, se in PPLCNET_CFG[name]:
                blocks.append(DepthwiseSeparable(d(cin), d(cout), k, s, se))
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2D(1)
        self.last_conv = nn.Conv2D(d(512), 1280, 1, bias_attr=False)
        self.dropout = nn.Dropout(p=0.2, mode="downscale_in_infer")
        self.fc = nn.Linear(1280, class_num)

    def forward(self, x):
        x = self.blocks(self.conv1(x))
        x = F.hardswish(self.last_conv(self.pool(x)))
        x = self.dropout(x)
        return self.fc(paddle.flatten(x, 1, -1))


# ---- PP-OCR-style detector ----------------------------------------------------

class MobileNetV3Det(nn.Layer):
    """MobileNetV3-large x0.5 as PaddleOCR's det backbone: 4 feature maps."""

    CFG = [  # k, exp, c, se, act, s
        [3, 16, 16, False, "relu", 1], [3, 64, 24, False, "relu", 2], [3, 72, 24, False, "relu", 1],
        [5, 72, 40, True, "relu", 2], [5, 120, 40, True, "relu", 1], [5, 120, 40, True, "relu", 1],
        [3, 240, 80, False, "hardswish", 2], [3, 200, 80, False, "hardswish", 1],
        [3, 184, 80, False, "hardswish", 1], [3, 184, 80, False, "hardswish", 1],
        [3, 480, 112, True, "hardswish", 1], [3, 672, 112, True, "hardswish", 1],
        [5, 672, 160, True, "hardswish", 2], [5, 960, 160, True, "hardswish", 1],
        [5, 960, 160, True, "hardswish", 1],
    ]

    def __init__(self, scale=0.5):
        super().__init__()
        d = lambda c: _make_divisible(c * scale)  # noqa: E731
        self.conv = ConvBNLayer(3, d(16), 3, 2)
        self.stages = nn.LayerList()
        self.out_channels = []
        cur, inp, stage = [], d(16), []
        for i, (k, e, c, se, act, s) in enumerate(self.CFG):
            if s == 2 and i > 2:
                self.stages.append(nn.Sequential(*stage))
                self.out_channels.append(inp)
                stage = []
            stage.append(ResidualUnit(inp, d(e), d(c), k, s, se, act))
            inp = d(c)
        stage.append(ConvBNLayer(inp, d(960), 1, 1))
        self.stages.append(nn.Sequential(*stage))
        self.out_channels.append(d(960))
        del cur

    def forward(self, x):
        x = self.conv(x)
        outs = []
        for st in self.stages:
            x = st(x)
            outs.append(x)
        return outs


class ResidualUnit(nn.Layer):
    def __init__(self, cin, mid, cout, k, stride, use_se, act):
        super().__init__()
        self.shortcut = stride == 1 and cin == cout
        self.expand = ConvBNLayer(cin, mid, 1, 1, act=act)
        self.dw = ConvBNLayer(mid, mid, k, stride, groups=mid, act=act)
        self.se = SEModule(mid) if use_se else None
        self.linear = ConvBNLayer(mid, cout, 1, 1, act=None)

    def forward(self, x):
        y = self.dw(self.expand(x))
        if self.se is not None:
            y = self.se(y)
        y = self.linear(y)
        return x + y if self.shortcut else y


class DBFPN(nn.Layer):
    def __init__(self, in_channels, out_channels=96):
        super().__init__()
        self.ins = nn.LayerList([nn.Conv2D(c, out_channels, 1, bias_attr=False) for c in in_channels])
        self.ps = nn.LayerList([nn.Conv2D(out_channels, out_channels // 4, 3, padding=1, bias_attr=False)
                                for _ in in_channels])

    def forward(self, feats):
        c2, c3, c4, c5 = feats
        in5, in4, in3, in2 = [l(f) for l, f in zip(self.ins[::-1], [c5, c4, c3, c2])]
        out4 = in4 + F.upsample(in5, scale_factor=2, mode="nearest")
        out3 = in3 + F.upsample(out4, scale_factor=2, mode="nearest")
        out2 = in2 + F.upsample(out3, scale_factor=2, mode="nearest")
        p5 = self.ps[3](in5)
        p4 = self.ps[2](out4)
        p3 = self.ps[1](out3)
        p2 = self.ps[0](out2)
        p5 = F.upsample(p5, scale_factor=8, mode="nearest")
        p4 = F.upsample(p4, scale_factor=4, mode="nearest")
        p3 = F.upsample(p3, scale_factor=2, mode="nearest")
        return paddle.concat([p5, p4, p3, p2], axis=1)


class DBHead(nn.Layer):
    def __init__(self, c=96):
        super().__init__()
        self.conv1 = nn.Conv2D(c, c // 4, 3, padding=1, bias_attr=False)
        self.bn1 = nn.BatchNorm2D(c // 4)
        self.conv2 = nn.Conv2DTranspose(c // 4, c // 4, 2, 2)
        self.bn2 = nn.BatchNorm2D(c // 4)
        self.conv3 = nn.Conv2DTranspose(c // 4, 1, 2, 2)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return sigmoid(self.conv3(x))


class OCRDet(nn.Layer):
    def __init__(self):
        super().__init__()
        self.backbone = MobileNetV3Det(0.5)
        self.neck = DBFPN(self.backbone.out_channels, 96)
        self.head = DBHead(96)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))


# ---- PP-OCR-style recogniser ----------------------------------------------------

class MobileNetV1Enhance(nn.Layer):
    """PaddleOCR's rec backbone (scale 0.5): depthwise-separable blocks,
    strides (2,1) in the late stages, SE in the last ones, 2x2 avg pool."""

    def __init__(self, scale=0.5):
        super().__init__()
        s = lambda c: int(c * scale)  # noqa: E731
        self.conv1 = ConvBNLayer(3, s(32), 3, 2)
        cfg = [  # cin, cout, k, stride, se
            (32, 64, 3, 1, False), (64, 128, 3, 1, False), (128, 128, 3, 1, False),
            (128, 256, 3, (2, 1), False), (256, 256, 3, 1, False), (256, 512, 3, (2, 1), False),
            (512, 512, 5, 1, False), (512, 512, 5, 1, False), (512, 512, 5, 1, False),
            (512, 512, 5, 1, False), (512, 512, 5, 1, False),
            (512, 1024, 5, (2, 1), True), (1024, 1024, 5, 1, True),
        ]
        blocks = []
        for cin, cout, k, st, se in cfg:
            blocks.append(DWSepStride(s(cin), s(cout), k, st, se))
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AvgPool2D(2, 2)
        self.out_channels = s(1024)

    def forward(self, x):
        return self.pool(self.blocks(self.conv1(x)))


class DWSepStride(nn.Layer):
    def __init__(self, cin, cout, k, stride, use_se):
        super().__init__()
        self.dw = nn.Conv2D(cin, cin, k, stride, (k - 1) // 2, groups=cin, bias_attr=False)
        self.bn1 = nn.BatchNorm2D(cin)
        self.se = SEModule(cin) if use_se else None
        self.pw = ConvBNLayer(cin, cout, 1, 1)

    def forward(self, x):
        x = F.hardswish(self.bn1(self.dw(x)))
        if self.se is not None:
            x = self.se(x)
        return self.pw(x)


class Attention(nn.Layer):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, c = x.shape[1], x.shape[2]
        qkv = self.qkv(x).reshape((0, -1, 3, self.heads, c // self.heads)).transpose((2, 0, 3, 1, 4))
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = F.softmax(matmul(q, k, trans_y=True), axis=-1)
        x = matmul(attn, v).transpose((0, 2, 1, 3)).reshape((0, -1, c))
        return self.proj(x)


class Block(nn.Layer):
    def __init__(self, dim, heads, mlp_ratio=2.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, epsilon=1e-5)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, epsilon=1e-5)
        self.fc1 = nn.Linear(dim, int(dim * mlp_ratio))
        self.fc2 = nn.Linear(int(dim * mlp_ratio), dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(swish(self.fc1(self.norm2(x))))


class SVTRNeck(nn.Layer):
    def __init__(self, cin, dims=64, hidden=120, depth=2):
        super().__init__()
        self.conv1 = ConvBNLayer(cin, cin // 8, 3, 1, act="swish")
        self.conv2 = ConvBNLayer(cin // 8, hidden, 1, 1, act="swish")
        self.blocks = nn.LayerList([Block(hidden, 8) for _ in range(depth)])
        self.norm = nn.LayerNorm(hidden, epsilon=1e-6)
        self.conv3 = ConvBNLayer(hidden, cin, 1, 1, act="swish")
        self.conv4 = ConvBNLayer(2 * cin, cin // 8, 3, 1, act="swish")
        self.conv1x1 = ConvBNLayer(cin // 8, dims, 1, 1, act="swish")

    def forward(self, x):
        h = x
        z = self.conv2(self.conv1(x))
        b, c, hh, ww = z.shape
        z = z.flatten(2).transpose([0, 2, 1])
        for blk in self.blocks:
            z = blk(z)
        z = self.norm(z)
        z = z.reshape([0, hh, ww, c]).transpose([0, 3, 1, 2])
        z = self.conv3(z)
        z = paddle.concat((h, z), axis=1)
        z = self.conv1x1(self.conv4(z))
        return z


class OCRRec(nn.Layer):
    def __init__(self, num_classes=6625):
        super().__init__()
        self.backbone = MobileNetV1Enhance(0.5)
        self.neck = SVTRNeck(self.backbone.out_channels)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        z = self.neck(self.backbone(x))
        z = z.squeeze(2).transpose([0, 2, 1])
        return F.softmax(self.fc(z), axis=2)


# ---- YOLOv3-style detector ---------------------------------------------------------

@paddle.jit.not_to_static
def _yolo_box(x, img_size, anchors, class_num, ratio):
    if not _legacy_static():
        return paddle.vision.ops.yolo_box(x, img_size, anchors, class_num, 0.005, ratio, clip_bbox=True)
    helper = LayerHelper("yolo_box")
    boxes = helper.create_variable_for_type_inference(x.dtype)
    scores = helper.create_variable_for_type_inference(x.dtype)
    helper.append_op(type="yolo_box", inputs={"X": [x], "ImgSize": [img_size]},
                     outputs={"Boxes": [boxes], "Scores": [scores]},
                     attrs={"anchors": anchors, "class_num": class_num, "conf_thresh": 0.005,
                            "downsample_ratio": ratio, "clip_bbox": True, "scale_x_y": 1.0,
                            "iou_aware": False, "iou_aware_factor": 0.5})
    return boxes, scores


_NMS = {"score_threshold": 0.01, "nms_top_k": 1000, "keep_top_k": 100, "nms_threshold": 0.45,
        "normalized": False, "nms_eta": 1.0, "background_label": -1}


@paddle.jit.not_to_static
def _multiclass_nms3(boxes, scores):
    a = _NMS
    if not _legacy_static():
        out, _, num = paddle._C_ops.multiclass_nms3(
            boxes, scores, None, a["score_threshold"], a["nms_top_k"], a["keep_top_k"], a["nms_threshold"],
            a["normalized"], a["nms_eta"], a["background_label"])
        return out, num
    helper = LayerHelper("multiclass_nms3")
    out = helper.create_variable_for_type_inference(boxes.dtype)
    index = helper.create_variable_for_type_inference("int32")
    num = helper.create_variable_for_type_inference("int32")
    helper.append_op(type="multiclass_nms3", inputs={"BBoxes": [boxes], "Scores": [scores]},
                     outputs={"Out": [out], "Index": [index], "NmsRoisNum": [num]}, attrs=dict(a))
    return out, num


class MLP(nn.Layer):
    """A small fully connected classifier (256 -> 1024 -> 1024 -> 1024 -> 16,
    2.4 M weights; wide: 512 -> 2048 -> 2048 -> 2048 -> 16, 9.5 M weights,
    38 MB, more than a 2-core share of a server CPU's last-level cache): at
    batch 1 each layer is a matrix-vector product that reads all its weights
    for one row, so rows batched together share that cost (the models the
    server's dynamic batching is measured on)."""

    def __init__(self, n_in=256, width=1024):
        super().__init__()
        self.fc = nn.LayerList([nn.Linear(n_in, width), nn.Linear(width, width),
                                nn.Linear(width, width)])
        self.out = nn.Linear(width, 16)

    def forward(self, x):
        for fc in self.fc:
            x = F.relu(fc(x))
        return F.softmax(self.out(x))


class YOLODet(nn.Layer):
    """mobilenet_v3_small's features (stride 32, 576 channels), a YOLOv3 head,
    box decoding and multiclass NMS: the shape of PaddleDetection's
    YOLOv3-MobileNetV3 export at one scale."""

    def __init__(self, classes=80):
        super().__init__()
        mb = paddle.vision.models.mobilenet_v3_small()
        self.conv, self.blocks, self.lastconv = mb.conv, mb.blocks, mb.lastconv
        self.anchors = [116, 90, 156, 198, 373, 326]
        self.classes = classes
        self.neck = nn.Sequential(nn.Conv2D(576, 256, 1), nn.BatchNorm2D(256), nn.LeakyReLU(0.1),
                                  nn.Conv2D(256, 512, 3, padding=1), nn.BatchNorm2D(512), nn.LeakyReLU(0.1))
        self.head = nn.Conv2D(512, 3 * (5 + classes), 1)

    def forward(self, x):
        f = self.lastconv(self.blocks(self.conv(x)))
        y = self.head(self.neck(f))
        img = paddle.full([1, 2], INPUTS["yolo_det"][2], dtype="int32")
        boxes, scores = _yolo_box(y, img, self.anchors, self.classes, 32)
        out, num = _multiclass_nms3(boxes, scores.transpose([0, 2, 1]))
        return out, num


# ---- export ---------------------------------------------------------------------

def _randomise(layer, seed):
    rng = np.random.default_rng(seed)
    for name, p in layer.named_parameters():
        shape = p.shape
        if "_variance" in name or "_mean" in name:
            continue  # running statistics: set below
        if "bn" in name or len(shape) == 1:
            if name.endswith("weight") or name.endswith("w_0"):
                v = rng.uniform(0.5, 1.5, shape)
            else:
                v = rng.uniform(-0.1, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            v = rng.normal(0.0, np.sqrt(2.0 / max(fan_in, 1)), shape)
        p.set_value(v.astype("float32"))
    # Batch-norm statistics are parameters in Paddle 3 (buffers before).
    stats = list(layer.named_parameters()) + list(layer.named_buffers())
    for name, b in stats:
        if name.endswith("_mean"):
            b.set_value(rng.uniform(-0.1, 0.1, b.shape).astype("float32"))
        elif name.endswith("_variance"):
            b.set_value(rng.uniform(0.5, 1.5, b.shape).astype("float32"))


def build(name):
    paddle.seed(0)
    if name == "resnet50":
        m = paddle.vision.models.resnet50()
    elif name == "mobilenet_v3_large":
        m = paddle.vision.models.mobilenet_v3_large()
    elif name == "mobilenet_v3_small":
        m = paddle.vision.models.mobilenet_v3_small()
    elif name == "pplcnet":
        m = PPLCNet()
    elif name == "ocr_det":
        m = OCRDet()
    elif name == "ocr_rec":
        m = OCRRec()
    elif name == "yolo_det":
        m = YOLODet()
    elif name == "mlp":
        m = MLP()
    elif name == "mlp_wide":
        m = MLP(512, 2048)
    else:
        raise ValueError(name)
    _randomise(m, 1234)
    if name == "yolo_det":
        # He-scaled random logits saturate every sigmoid at 1.0, where the
        # NMS order is decided by the last bit; small ones spread the scores
        m.head.weight.set_value(m.head.weight.numpy() * 0.02)
    m.eval()
    return m


def export(name, out_dir):
    """Writes out_dir/inference.pdmodel + .pdiparams and input.npy; returns the
    model path prefix."""
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, "inference")
    if os.path.exists(prefix + ".pdmodel") and os.path.exists(os.path.join(out_dir, "input.npy")):
        return prefix
    paddle.disable_static()
    m = build(name)
    shape = INPUTS[name]
    spec = [paddle.static.InputSpec([None] + shape[1:], "float32", "x")]
    paddle.jit.save(m, prefix, input_spec=spec)
    rng = np.random.default_rng(7)
    np.save(os.path.join(out_dir, "input.npy"), rng.uniform(0.0, 1.0, shape).astype("float32"))
    return prefix
