"""Corpus for 03_initialisation: correct idioms and plausible mistakes per function."""

CORRECT = {
    "init_normal": [
        ("data_methods", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0, 0.01)
        if m.bias is not None:
            m.bias.data.zero_()
'''),
        ("no_grad_copy", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.copy_(torch.randn_like(m.weight) * 0.01)
            if m.bias is not None:
                m.bias.fill_(0.0)
'''),
    ],
    "init_constant": [
        ("data_fill", '''
def init_constant(m):
    if isinstance(m, nn.Linear):
        m.weight.data.fill_(1)
        if m.bias is not None:
            m.bias.data.fill_(0)
'''),
        ("no_grad_slice", '''
def init_constant(m):
    if not isinstance(m, nn.Linear):
        return
    with torch.no_grad():
        m.weight[:] = 1.0
        if m.bias is not None:
            m.bias[:] = 0.0
'''),
    ],
    "init_xavier": [
        ("manual_bound", '''
import math

def init_xavier(m):
    if isinstance(m, nn.Linear):
        fan_out, fan_in = m.weight.shape
        a = math.sqrt(6.0 / (fan_in + fan_out))
        nn.init.uniform_(m.weight, -a, a)
'''),
        ("explicit_gain", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        torch.nn.init.xavier_uniform_(m.weight, gain=1.0)
'''),
    ],
    "init_42": [
        ("data_fill", '''
def init_42(m):
    if isinstance(m, nn.Linear):
        m.weight.data.fill_(42)
'''),
        ("no_grad_full", '''
def init_42(m):
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.copy_(torch.full_like(m.weight, 42.0))
'''),
    ],
    "my_init": [
        ("d2l_style", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        print("Init", *[(name, param.shape) for name, param in m.named_parameters()][0])
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 5
'''),
        ("explicit_mixture", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            shape = m.weight.shape
            keep = torch.rand(shape) < 0.5
            sign = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)
            magnitude = 5 + 5 * torch.rand(shape)
            m.weight.copy_(torch.where(keep, sign * magnitude, torch.zeros(shape)))
'''),
    ],
    "init_mixed": [
        ("direct_calls", '''
def init_mixed(net):
    init_xavier(net[0])
    init_42(net[len(net) - 1])
'''),
        ("nn_init_inline", '''
def init_mixed(net):
    nn.init.xavier_uniform_(net[0].weight)
    nn.init.constant_(net[-1].weight, 42)
'''),
    ],
    "shift_and_pin": [
        ("data", '''
def shift_and_pin(net):
    net[0].weight.data += 1
    net[0].weight.data[0, 0] = 42
'''),
        ("add_and_index", '''
def shift_and_pin(net):
    w = net[0].weight
    with torch.no_grad():
        w.add_(torch.ones_like(w))
        w[0][0] = 42.0
'''),
    ],
}

WRONG = {
    "init_normal": [
        ("std_0_1", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0, std=0.1)
        nn.init.zeros_(m.bias)
'''),
        ("std_0_02", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.02)
        nn.init.zeros_(m.bias)
'''),
        ("variance_as_std", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0, 0.01 ** 2)
        nn.init.zeros_(m.bias)
'''),
        ("uniform_same_std", '''
import math

def init_normal(m):
    if isinstance(m, nn.Linear):
        a = 0.01 * math.sqrt(3)
        nn.init.uniform_(m.weight, -a, a)
        nn.init.zeros_(m.bias)
'''),
        ("bias_not_zeroed", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.01)
'''),
        ("touches_every_weight", '''
def init_normal(m):
    if hasattr(m, "weight") and m.weight is not None:
        nn.init.normal_(m.weight, std=0.01)
    if hasattr(m, "bias") and m.bias is not None:
        nn.init.zeros_(m.bias)
'''),
        ("new_parameter", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        m.weight = nn.Parameter(torch.randn_like(m.weight) * 0.01)
        nn.init.zeros_(m.bias)
'''),
    ],
    "init_constant": [
        ("bias_left", '''
def init_constant(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 1)
'''),
        ("exact_type", '''
def init_constant(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 1)
        nn.init.zeros_(m.bias)
'''),
        ("new_parameters", '''
def init_constant(m):
    if isinstance(m, nn.Linear):
        m.weight = nn.Parameter(torch.ones_like(m.weight))
        if m.bias is not None:
            m.bias = nn.Parameter(torch.zeros_like(m.bias))
'''),
    ],
    "init_xavier": [
        ("xavier_normal", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_normal_(m.weight)
'''),
        ("relu_gain", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))
'''),
        ("kaiming_uniform", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight)
'''),
        ("fan_in_only", '''
import math

def init_xavier(m):
    if isinstance(m, nn.Linear):
        a = math.sqrt(6.0 / m.in_features)
        nn.init.uniform_(m.weight, -a, a)
'''),
        ("zeroes_bias", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
'''),
    ],
    "init_42": [
        ("bias_too", '''
def init_42(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 42)
        nn.init.constant_(m.bias, 42)
'''),
        ("exact_type", '''
def init_42(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 42)
'''),
        ("every_weight", '''
def init_42(m):
    if getattr(m, "weight", None) is not None:
        nn.init.constant_(m.weight, 42)
'''),
    ],
    "my_init": [
        ("quarter_zeros", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 2.5
'''),
        ("three_quarters_zeros", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 7.5
'''),
        ("no_zeros", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, -10, 10)
'''),
        ("positive_only", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, 0, 10)
        m.weight.data *= m.weight.data >= 5
'''),
        ("numpy_rng", '''
import numpy as np

def my_init(m):
    if isinstance(m, nn.Linear):
        w = np.random.uniform(-10, 10, size=tuple(m.weight.shape))
        w = w * (np.abs(w) >= 5)
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(w))
'''),
    ],
    "init_mixed": [
        ("every_linear_xavier", '''
def init_mixed(net):
    net.apply(init_xavier)
    net[-1].apply(init_42)
'''),
        ("second_layer", '''
def init_mixed(net):
    net[0].apply(init_xavier)
    net[2].apply(init_42)
'''),
        ("first_layer_only", '''
def init_mixed(net):
    net[0].apply(init_xavier)
'''),
    ],
    "shift_and_pin": [
        ("pin_then_shift", '''
def shift_and_pin(net):
    with torch.no_grad():
        net[0].weight[0, 0] = 42
        net[0].weight += 1
'''),
        ("every_layer", '''
def shift_and_pin(net):
    with torch.no_grad():
        for p in net.parameters():
            p += 1
        net[0].weight[0, 0] = 42
'''),
        ("new_parameter", '''
def shift_and_pin(net):
    w = net[0].weight.detach() + 1
    w[0, 0] = 42
    net[0].weight = nn.Parameter(w)
'''),
        ("bias_too", '''
def shift_and_pin(net):
    with torch.no_grad():
        net[0].weight += 1
        net[0].bias += 1
        net[0].weight[0, 0] = 42
'''),
    ],
}
