#!/usr/bin/env python3
"""Write a PyTorch model as a relucheck network file (JSON), exactly.

The direct route, without ONNX: every float32 weight is written as the exact fraction it
denotes ("13421773/134217728" for 0.1f), so relucheck analyses the very numbers the model
holds. Use it from Python:

    import torch.nn as nn
    from torch_to_relucheck import to_relucheck, save

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).eval()
    save(model, [2], "net.json", name="my model")

or from the command line, on a model saved whole with torch.save(model, "model.pt"):

    python3 scripts/torch_to_relucheck.py model.pt --input-shape 1,8,8 -o net.json

Supported modules, in an nn.Sequential (nested Sequentials are flattened): Linear, Conv2d
(no dilation, groups = 1, zero padding), ReLU, LeakyReLU, PReLU, Hardtanh, ELU, SELU,
MaxPool2d and AvgPool2d (no ceil_mode, no dilation; AvgPool2d counts padding, as PyTorch
does by default), Flatten, Identity and Dropout (left out: the model is evaluated in
inference mode), and BatchNorm1d/BatchNorm2d after a Linear or Conv2d. BatchNorm is folded
into the layer before it: its factor gamma / sqrt(var + eps) is computed in float32, as
runtimes do, and the products with the weights are exact fractions. Anything else is
refused with the module's name.

Needs only torch. The output is checked nowhere but by relucheck itself: compare
`relucheck eval net.json --input ...` with the model's own output.
"""

import argparse
import json
import sys
from fractions import Fraction


def exact(value):
    """The exact value of a float (a float32 tensor element is widened exactly)."""
    f = Fraction(float(value))
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def nested(tensor):
    """A tensor as nested lists of exact strings."""
    if tensor.dim() == 0:
        return exact(tensor.item())
    return [nested(t) for t in tensor]


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def modules(model):
    """The model's layers in order, nested Sequentials flattened."""
    import torch.nn as nn

    if isinstance(model, nn.Sequential):
        for m in model:
            yield from modules(m)
    else:
        yield model


def batch_norm_factor(bn):
    """gamma / sqrt(var + eps) and beta - mean * factor, each computed in float32."""
    import torch

    with torch.no_grad():
        var = bn.running_var.to(torch.float32)
        factor = torch.ones_like(var) if bn.weight is None else bn.weight.detach().to(torch.float32)
        factor = factor / torch.sqrt(var + torch.tensor(bn.eps, dtype=torch.float32))
        beta = torch.zeros_like(var) if bn.bias is None else bn.bias.detach().to(torch.float32)
    return [Fraction(float(f)) for f in factor], beta, bn.running_mean.detach().to(torch.float32)


def fold_batch_norm(layer, bn):
    """Folds BatchNorm into the dense or conv2d layer before it, exactly in fractions."""
    factors, beta, mean = batch_norm_factor(bn)
    rows = layer["weights"]
    if len(rows) != len(factors):
        raise ValueError(f"{type(bn).__name__} has {len(factors)} channels, the layer before has {len(rows)}")

    def scale(w, k):
        if isinstance(w, list):
            return [scale(v, k) for v in w]
        return str(Fraction(w) * k).replace(" ", "")

    bias = layer.get("bias") or ["0"] * len(rows)
    layer["weights"] = [scale(row, k) for row, k in zip(rows, factors)]
    layer["bias"] = [
        str((Fraction(b) - Fraction(float(m))) * k + Fraction(float(c)))
        for b, m, k, c in zip(bias, mean, factors, beta)
    ]


def convert(m):
    """One module as a relucheck layer (a dict), or None when it is left out."""
    import torch.nn as nn

    name = type(m).__name__
    if isinstance(m, nn.Linear):
        layer = {"type": "dense", "weights": nested(m.weight.detach())}
        if m.bias is not None:
            layer["bias"] = nested(m.bias.detach())
        return layer
    if isinstance(m, nn.Conv2d):
        if m.groups != 1 or pair(m.dilation) != [1, 1] or m.padding_mode != "zeros":
            raise ValueError(f"{name}: only groups=1, dilation=1 and zero padding are supported")
        if isinstance(m.padding, str):
            raise ValueError(f"{name}: write the padding as numbers, not '{m.padding}'")
        layer = {
            "type": "conv2d",
            "weights": nested(m.weight.detach()),
            "stride": pair(m.stride),
            "padding": pair(m.padding),
        }
        if m.bias is not None:
            layer["bias"] = nested(m.bias.detach())
        return layer
    if isinstance(m, nn.ReLU):
        return {"type": "relu"}
    if isinstance(m, nn.LeakyReLU):
        return {"type": "leaky_relu", "alpha": exact(m.negative_slope)}
    if isinstance(m, nn.PReLU):
        alpha = m.weight.detach().flatten()
        return {"type": "prelu", "alpha": exact(alpha[0]) if alpha.numel() == 1 else nested(alpha)}
    if isinstance(m, nn.Hardtanh):
        return {"type": "hard_tanh", "min": exact(m.min_val), "max": exact(m.max_val)}
    if isinstance(m, nn.ELU):
        return {"type": "elu", "alpha": exact(m.alpha)}
    if isinstance(m, nn.SELU):
        return {"type": "selu"}
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        if m.ceil_mode or (isinstance(m, nn.MaxPool2d) and pair(m.dilation) != [1, 1]):
            raise ValueError(f"{name}: ceil_mode and dilation are not supported")
        if isinstance(m, nn.AvgPool2d) and (not m.count_include_pad or m.divisor_override):
            raise ValueError(f"{name}: only count_include_pad=True without divisor_override")
        kind = "max_pool2d" if isinstance(m, nn.MaxPool2d) else "avg_pool2d"
        stride = m.stride if m.stride is not None else m.kernel_size
        return {
            "type": kind,
            "kernel_size": pair(m.kernel_size),
            "stride": pair(stride),
            "padding": pair(m.padding),
        }
    if isinstance(m, nn.Flatten):
        return {"type": "flatten"}
    if isinstance(m, (nn.Identity, nn.Dropout)):
        return None
    raise ValueError(
        f"{name} is not supported by this script (it writes piecewise-linear nn.Sequential models);"
        " export to ONNX instead, and see relucheck's README for what the ONNX import reads"
    )


def to_relucheck(model, input_shape, name="pytorch model"):
    """The relucheck network file of `model` (a dict, ready for json.dump)."""
    import torch.nn as nn

    layers = []
    for m in modules(model):
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if not layers or layers[-1]["type"] not in ("dense", "conv2d"):
                raise ValueError(f"{type(m).__name__} must follow a Linear or Conv2d layer")
            fold_batch_norm(layers[-1], m)
            continue
        layer = convert(m)
        if layer is not None:
            layers.append(layer)
    return {"relucheck": 1, "name": name, "input_shape": list(input_shape), "layers": layers}


def save(model, input_shape, path, name="pytorch model"):
    """Writes `model` to `path` as a relucheck network file."""
    with open(path, "w") as f:
        json.dump(to_relucheck(model, input_shape, name), f, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a model saved whole with torch.save(model, PATH)")
    parser.add_argument("--input-shape", required=True, help="without the batch: 2, or 1,8,8")
    parser.add_argument("-o", "--output", required=True, help="the relucheck JSON file to write")
    parser.add_argument("--name", default=None, help="the network's name (default: the file name)")
    args = parser.parse_args()
    import torch

    model = torch.load(args.model, weights_only=False)
    model.eval()
    shape = [int(v) for v in args.input_shape.split(",")]
    try:
        save(model, shape, args.output, args.name or args.model)
    except ValueError as e:
        sys.exit(f"{args.model}: {e}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
