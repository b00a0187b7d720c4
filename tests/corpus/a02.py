"""Corpus for 02_nested_blocks: correct idioms and plausible mistakes per function."""

CORRECT = {
    "block1": [
        ("layers_list", '''
def block1():
    layers = [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU()]
    return nn.Sequential(*layers)
'''),
        ("add_module_digits", '''
def block1():
    net = nn.Sequential()
    for i, layer in enumerate([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU()]):
        net.add_module(str(i), layer)
    return net
'''),
        ("ordered_dict_digits", '''
from collections import OrderedDict

def block1():
    layers = [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU()]
    return nn.Sequential(OrderedDict((str(i), layer) for i, layer in enumerate(layers)))
'''),
    ],
    "block2": [
        ("ordered_dict", '''
from collections import OrderedDict

def block2(n=4):
    return nn.Sequential(OrderedDict((f"block{i}", block1()) for i in range(n)))
'''),
        ("setattr", '''
def block2(n=4):
    net = nn.Sequential()
    for i in range(n):
        setattr(net, "block" + str(i), block1())
    return net
'''),
    ],
    "make_rgnet": [
        ("two_steps", '''
def make_rgnet():
    body = block2(4)
    head = nn.Linear(4, 1)
    return nn.Sequential(body, head)
'''),
        ("add_module", '''
def make_rgnet():
    net = nn.Sequential()
    net.add_module("0", block2())
    net.add_module("1", nn.Linear(4, 1))
    return net
'''),
    ],
    "get_param": [
        ("dict_of_every_name", '''
def get_param(net, name):
    return dict(net.named_parameters(remove_duplicate=False))[name]
'''),
        ("get_parameter_translated", '''
def get_param(net, name):
    try:
        return net.get_parameter(name)
    except AttributeError as err:
        raise KeyError(name) from err
'''),
    ],
    "count_modules": [
        ("loop_over_modules", '''
def count_modules(net, kind):
    count = 0
    for m in net.modules():
        if isinstance(m, kind):
            count += 1
    return count
'''),
        ("ids_of_named_modules", '''
def count_modules(net, kind):
    return len({id(m) for _, m in net.named_modules(remove_duplicate=False) if isinstance(m, kind)})
'''),
    ],
}

WRONG = {
    "block1": [
        ("global_block_reused", '''
_BLOCK = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())

def block1():
    return _BLOCK
''', 'every call builds new ones'),
        ("shared_relu_missing", '''
def block1():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
''', 'default names'),
        ("named_layers", '''
from collections import OrderedDict

def block1():
    return nn.Sequential(OrderedDict(fc1=nn.Linear(4, 8), act1=nn.ReLU(), fc2=nn.Linear(8, 4), act2=nn.ReLU()))
''', 'default names'),
        ("lazy_linear", '''
def block1():
    return nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(4), nn.ReLU())
''', 'LazyLinear'),
    ],
    "block2": [
        ("same_block_repeated", '''
def block2(n=4):
    net = nn.Sequential()
    block = block1()
    for i in range(n):
        net.add_module(f"block{i}", block)
    return net
''', 'once per block'),
        ("name_with_space", '''
def block2(n=4):
    net = nn.Sequential()
    for i in range(n):
        net.add_module(f"block {i}", block1())
    return net
''', "add_module(f'block{i}'"),
        ("ignores_n", '''
def block2(n=4):
    net = nn.Sequential()
    for i in range(4):
        net.add_module(f"block{i}", block1())
    return net
''', 'for i in range(n)'),
        ("default_names", '''
def block2(n=4):
    return nn.Sequential(*[block1() for _ in range(n)])
''', "add_module(f'block{i}'"),
    ],
    "make_rgnet": [
        ("named_children", '''
from collections import OrderedDict

def make_rgnet():
    return nn.Sequential(OrderedDict(body=block2(), head=nn.Linear(4, 1)))
''', 'directly'),
        ("flattened", '''
def make_rgnet():
    return nn.Sequential(*block2().children(), nn.Linear(4, 1))
''', 'directly'),
        ("two_blocks", '''
def make_rgnet():
    return nn.Sequential(block2(2), nn.Linear(4, 1))
''', 'for i in range(n)'),
    ],
    "get_param": [
        ("get_parameter_attribute_error", '''
def get_param(net, name):
    return net.get_parameter(name)
''', 'raise KeyError(name)'),
        ("state_dict_values", '''
def get_param(net, name):
    return net.state_dict()[name]
''', 'nn.Parameter object itself'),
        ("returns_none_when_missing", '''
def get_param(net, name):
    return dict(net.named_parameters()).get(name)
''', 'nn.Parameter object'),
        ("detached_copy", '''
def get_param(net, name):
    return dict(net.named_parameters())[name].detach()
''', 'nn.Parameter object itself'),
        ("first_name_only", '''
def get_param(net, name):
    return dict(net.named_parameters())[name]
''', 'second name of a layer used twice'),
    ],
    "count_modules": [
        ("exact_type", '''
def count_modules(net, kind):
    return sum(1 for m in net.modules() if type(m) == kind)
''', 'isinstance(m, kind)'),
        ("top_level_only", '''
def count_modules(net, kind):
    return sum(1 for m in net.children() if isinstance(m, kind))
''', 'children() sees only the top level'),
        ("excludes_root", '''
def count_modules(net, kind):
    return sum(1 for m in list(net.modules())[1:] if isinstance(m, kind))
''', 'net itself counts'),
        ("counts_repeats", '''
def count_modules(net, kind):
    return sum(1 for _, m in net.named_modules(remove_duplicate=False) if isinstance(m, kind))
''', 'count it once'),
    ],
}
