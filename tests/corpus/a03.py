"""Corpus for 03_initialisation: correct idioms and plausible mistakes per function."""
from . import HIDDEN_ONLY

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
        ("data_assignment", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        m.weight.data = torch.randn(m.weight.shape) * 0.01
        if m.bias is not None:
            m.bias.data = torch.zeros(m.bias.shape)
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
        ("named_parameters", '''
def init_42(m):
    if isinstance(m, nn.Linear):
        for name, param in m.named_parameters():
            if name == "weight":
                nn.init.constant_(param, 42)
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
''', 'too large'),
        ("std_0_02", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.02)
        nn.init.zeros_(m.bias)
''', 'too large'),
        ("variance_as_std", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0, 0.01 ** 2)
        nn.init.zeros_(m.bias)
''', 'not the variance'),
        ("uniform_same_std", '''
import math

def init_normal(m):
    if isinstance(m, nn.Linear):
        a = 0.01 * math.sqrt(3)
        nn.init.uniform_(m.weight, -a, a)
        nn.init.zeros_(m.bias)
''', 'normal distribution'),
        ("bias_not_zeroed", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.01)
''', 'set the bias to 0'),
        ("touches_every_weight", '''
def init_normal(m):
    if hasattr(m, "weight") and m.weight is not None:
        nn.init.normal_(m.weight, std=0.01)
    if hasattr(m, "bias") and m.bias is not None:
        nn.init.zeros_(m.bias)
''', 'only nn.Linear modules may change'),
        ("new_parameter", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        m.weight = nn.Parameter(torch.randn_like(m.weight) * 0.01)
        nn.init.zeros_(m.bias)
''', 'new nn.Parameter'),
        ("d2l_exact_type", '''
def init_normal(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, mean=0, std=0.01)
        nn.init.zeros_(m.bias)
''', 'bias=False'),
        ("unguarded_bias", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0, std=0.01)
        nn.init.zeros_(m.bias)
''', 'if m.bias is not None'),
        ("exact_type_guarded", '''
def init_normal(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, mean=0, std=0.01)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
''', 'subclass of nn.Linear'),
        ("skips_frozen", '''
def init_normal(m):
    if isinstance(m, nn.Linear) and m.weight.requires_grad:
        nn.init.normal_(m.weight, mean=0, std=0.01)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
''', 'frozen'),
        ("reseeds", '''
def init_normal(m):
    if isinstance(m, nn.Linear):
        torch.manual_seed(0)
        nn.init.normal_(m.weight, mean=0, std=0.01)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
''', 'do not call torch.manual_seed'),
    ],
    "init_constant": [
        ("bias_left", '''
def init_constant(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 1)
''', 'set the bias to 0'),
        ("exact_type", '''
def init_constant(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 1)
        nn.init.zeros_(m.bias)
''', 'bias=False'),
        ("new_parameters", '''
def init_constant(m):
    if isinstance(m, nn.Linear):
        m.weight = nn.Parameter(torch.ones_like(m.weight))
        if m.bias is not None:
            m.bias = nn.Parameter(torch.zeros_like(m.bias))
''', 'new nn.Parameter'),
        ("exact_type_guarded", '''
def init_constant(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 1)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
''', 'subclass of nn.Linear'),
    ],
    "init_xavier": [
        ("xavier_normal", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_normal_(m.weight)
''', 'gain 1'),
        ("relu_gain", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))
''', 'gain 1'),
        ("kaiming_uniform", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight)
''', 'gain 1'),
        ("fan_in_only", '''
import math

def init_xavier(m):
    if isinstance(m, nn.Linear):
        a = math.sqrt(6.0 / m.in_features)
        nn.init.uniform_(m.weight, -a, a)
''', 'gain 1'),
        ("zeroes_bias", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
''', 'changes only the weight'),
        ("d2l_exact_type", '''
def init_xavier(m):
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)
''', 'subclass of nn.Linear'),
        ("reseeds", '''
def init_xavier(m):
    if isinstance(m, nn.Linear):
        torch.manual_seed(42)
        nn.init.xavier_uniform_(m.weight)
''', 'do not call torch.manual_seed'),
    ],
    "init_42": [
        ("bias_too", '''
def init_42(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 42)
        nn.init.constant_(m.bias, 42)
''', 'changes only the weight'),
        ("exact_type", '''
def init_42(m):
    if type(m) == nn.Linear:
        nn.init.constant_(m.weight, 42)
''', 'subclass of nn.Linear'),
        ("every_weight", '''
def init_42(m):
    if getattr(m, "weight", None) is not None:
        nn.init.constant_(m.weight, 42)
''', 'only nn.Linear modules may change'),
    ],
    "my_init": [
        ("quarter_zeros", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 2.5
''', 'zeroes half'),
        ("three_quarters_zeros", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 7.5
''', 'zeroes half'),
        ("no_zeros", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, -10, 10)
''', 'zeroes half'),
        ("positive_only", '''
def my_init(m):
    if isinstance(m, nn.Linear):
        nn.init.uniform_(m.weight, 0, 10)
        m.weight.data *= m.weight.data >= 5
''', 'both signs'),
        ("numpy_rng", '''
import numpy as np

def my_init(m):
    if isinstance(m, nn.Linear):
        w = np.random.uniform(-10, 10, size=tuple(m.weight.shape))
        w = w * (np.abs(w) >= 5)
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(w))
''', 'not numpy'),
        ("d2l_exact_type", '''
def my_init(m):
    if type(m) == nn.Linear:
        print("Init", *[(name, param.shape) for name, param in m.named_parameters()][0])
        nn.init.uniform_(m.weight, -10, 10)
        m.weight.data *= m.weight.data.abs() >= 5
''', 'subclass of nn.Linear'),
    ],
    "init_mixed": [
        ("every_linear_xavier", '''
def init_mixed(net):
    net.apply(init_xavier)
    net[-1].apply(init_42)
''', 'change only net[0] and net[-1]'),
        ("second_layer", '''
def init_mixed(net):
    net[0].apply(init_xavier)
    net[2].apply(init_42)
''', '42'),
        ("first_layer_only", '''
def init_mixed(net):
    net[0].apply(init_xavier)
''', '42'),
        ("hardcoded_last_index", '''
def init_mixed(net):
    init_xavier(net[0])
    init_42(net[5])
''', HIDDEN_ONLY),
    ],
    "shift_and_pin": [
        ("pin_then_shift", '''
def shift_and_pin(net):
    with torch.no_grad():
        net[0].weight[0, 0] = 42
        net[0].weight += 1
''', 'order was swapped'),
        ("every_layer", '''
def shift_and_pin(net):
    with torch.no_grad():
        for p in net.parameters():
            p += 1
        net[0].weight[0, 0] = 42
''', 'change only net[0].weight'),
        ("new_parameter", '''
def shift_and_pin(net):
    w = net[0].weight.detach() + 1
    w[0, 0] = 42
    net[0].weight = nn.Parameter(w)
''', 'new nn.Parameter'),
        ("bias_too", '''
def shift_and_pin(net):
    with torch.no_grad():
        net[0].weight += 1
        net[0].bias += 1
        net[0].weight[0, 0] = 42
''', 'only the weight of net[0]'),
        ("unfreezes", '''
def shift_and_pin(net):
    w = net[0].weight
    w.requires_grad_(False)
    w += 1
    w[0, 0] = 42
    w.requires_grad_(True)
''', 'leave requires_grad as it was'),
    ],
}
