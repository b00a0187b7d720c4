"""Corpus for 01_parameter_access: correct idioms and plausible mistakes per function."""

CORRECT = {
    "param_shapes": [
        ("loop_tuple", '''
def param_shapes(net):
    shapes = {}
    for name, p in net.named_parameters():
        shapes[name] = tuple(p.size())
    return shapes
'''),
        ("ordereddict_list_shape", '''
from collections import OrderedDict

def param_shapes(net):
    print("computing shapes")  # printing is fine
    return OrderedDict((n, tuple(int(d) for d in p.shape)) for n, p in net.named_parameters())
'''),
        ("d2l_print_then_dict", '''
def param_shapes(net):
    print(*[(name, param.shape) for name, param in net.named_parameters()])
    return {name: param.shape for name, param in net.named_parameters()}
'''),
    ],
    "count_parameters": [
        ("numel_loop", '''
def count_parameters(net):
    total = 0
    for p in net.parameters():
        total += p.numel()
    return total
'''),
        ("prod_of_shape", '''
import math

def count_parameters(net):
    return int(sum(math.prod(p.shape) for _, p in net.named_parameters()))
'''),
        ("dict_of_ids", '''
def count_parameters(net):
    sizes = {}
    for _, p in net.named_parameters(remove_duplicate=False):
        sizes[id(p)] = p.numel()
    return sum(sizes.values())
'''),
    ],
    "bias_values": [
        ("data_clone", '''
def bias_values(net, index):
    return net[index].bias.data.clone()
'''),
        ("no_grad_clone", '''
def bias_values(net, index):
    layer = net[index]
    with torch.no_grad():
        values = layer.bias.clone()
    return values
'''),
        ("data", '''
def bias_values(net, index):
    return net[index].bias.data
'''),
    ],
    "has_no_grads": [
        ("loop_early_exit", '''
def has_no_grads(net):
    for _, p in net.named_parameters():
        if p.grad is not None:
            return False
    return True
'''),
        ("not_any", '''
def has_no_grads(net):
    return not any(p.grad is not None for p in net.parameters())
'''),
    ],
}

WRONG = {
    "param_shapes": [
        ("state_dict_includes_buffers", '''
def param_shapes(net):
    return {k: v.shape for k, v in net.state_dict().items()}
''', 'are not parameters'),
        ("top_level_children_only", '''
def param_shapes(net):
    shapes = {}
    for i, layer in enumerate(net.children()):
        for n, p in layer.named_parameters(recurse=False):
            shapes[f"{i}.{n}"] = p.shape
    return shapes
''', 'exactly as net.named_parameters()'),
        ("values_not_shapes", '''
def param_shapes(net):
    return {n: p for n, p in net.named_parameters()}
''', 'store p.shape'),
        ("duplicates_of_shared", '''
def param_shapes(net):
    return {n: p.shape for n, p in net.named_parameters(remove_duplicate=False)}
''', 'appears once'),
        ("skips_frozen", '''
def param_shapes(net):
    return {name: p.shape for name, p in net.named_parameters() if p.requires_grad}
''', 'frozen parameters'),
    ],
    "count_parameters": [
        ("trainable_only", '''
def count_parameters(net):
    return sum(p.numel() for p in net.parameters() if p.requires_grad)
''', 'frozen parameters'),
        ("state_dict_counts_buffers", '''
def count_parameters(net):
    return sum(t.numel() for t in net.state_dict().values())
''', 'buffers'),
        ("counts_tensors", '''
def count_parameters(net):
    return len(list(net.parameters()))
''', 'p.numel()'),
        ("returns_tensor", '''
def count_parameters(net):
    return sum(torch.tensor(p.numel()) for p in net.parameters())
''', 'Python int'),
        ("shared_counted_twice", '''
def count_parameters(net):
    return sum(p.numel() for _, p in net.named_parameters(remove_duplicate=False))
''', 'counts once'),
        ("d2l_state_dict_numel", '''
def count_parameters(net):
    total = 0
    for name, tensor in net.state_dict().items():
        total += tensor.numel()
    return total
''', 'buffers'),
    ],
    "bias_values": [
        ("returns_parameter", '''
def bias_values(net, index):
    return net[index].bias
''', 'not the parameter itself'),
        ("clone_keeps_history", '''
def bias_values(net, index):
    return net[index].bias.clone()
''', '.detach()'),
        ("hardcoded_last_layer", '''
def bias_values(net, index):
    return net[-1].bias.detach()
''', 'take the bias of net[0]'),
        ("weight_not_bias", '''
def bias_values(net, index):
    return net[index].weight.detach()[0]
''', 'not its weight'),
        ("converts_to_float32", '''
def bias_values(net, index):
    return torch.tensor(net[index].bias.tolist())
''', 'do not convert the values'),
    ],
    "has_no_grads": [
        ("zero_means_no_grad", '''
def has_no_grads(net):
    return all(p.grad is None or bool((p.grad == 0).all()) for p in net.parameters())
''', 'zeros is still a gradient'),
        ("first_layer_only", '''
def has_no_grads(net):
    return net[0].weight.grad is None
''', 'every parameter'),
        ("returns_tensor", '''
def has_no_grads(net):
    return torch.tensor([p.grad is None for p in net.parameters()]).all()
''', 'Python bool'),
        ("any_instead_of_all", '''
def has_no_grads(net):
    return any(p.grad is None for p in net.parameters())
''', 'every parameter'),
    ],
}
