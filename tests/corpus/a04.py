"""Corpus for 04_parameter_tying: correct idioms and plausible mistakes per function."""

CORRECT = {
    "make_tied_net": [
        ("assign_parameters", '''
def make_tied_net():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                        nn.Linear(8, 1))
    net[4].weight = net[2].weight
    net[4].bias = net[2].bias
    return net
'''),
        ("layer_list", '''
def make_tied_net():
    hidden = nn.Linear(8, 8)
    layers = [nn.Linear(4, 8), nn.ReLU()]
    for _ in range(2):
        layers += [hidden, nn.ReLU()]
    layers.append(nn.Linear(8, 1))
    return nn.Sequential(*layers)
'''),
    ],
    "same_parameter": [
        ("id", '''
def same_parameter(a, b):
    return id(a) == id(b)
'''),
        ("is_with_print", '''
def same_parameter(a, b):
    same = a is b
    print("same object:", same)
    return same
'''),
        ("is_operator", '''
def same_parameter(a, b):
    return a is b
'''),
    ],
    "tied_pairs": [
        ("group_by_id", '''
from collections import defaultdict
from itertools import combinations

def tied_pairs(net):
    names = defaultdict(list)
    for name, p in net.named_parameters(remove_duplicate=False):
        names[id(p)].append(name)
    return {pair for group in names.values() for pair in combinations(group, 2)}
'''),
        ("seen_list", '''
def tied_pairs(net):
    seen = []
    pairs = set()
    for name, p in net.named_parameters(remove_duplicate=False):
        for other_name, other in seen:
            if other is p:
                pairs.add((other_name, name))
        seen.append((name, p))
    return pairs
'''),
        ("dict_of_ids", '''
def tied_pairs(net):
    first_names = {}
    pairs = set()
    for name, p in net.named_parameters(remove_duplicate=False):
        for earlier in first_names.get(id(p), []):
            pairs.add((earlier, name))
        first_names.setdefault(id(p), []).append(name)
    return pairs
'''),
    ],
    "train_tied": [
        ("manual_sgd_float_warning", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        net.zero_grad()
        loss = loss_fn(net(X), y)
        losses.append(float(loss))  # PyTorch warns here; the warning must not cost points
        loss.backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= lr * p.grad
    return losses
'''),
        ("sgd_set_to_none_false", '''
import warnings

def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.0)
    history = []
    for step in range(steps):
        opt.zero_grad(set_to_none=False)
        loss = ((net(X) - y) ** 2).mean()
        loss.backward()
        history.append(loss.detach().item())
        warnings.warn("step done")  # a student's own warning costs nothing either
        opt.step()
    return history
'''),
        ("manual_sgd_named_parameters", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        for _, p in net.named_parameters():
            p.grad = None
        loss = loss_fn(net(X), y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for _, p in net.named_parameters():  # each distinct parameter once
                p -= lr * p.grad
    return losses
'''),
    ],
}

WRONG = {
    "make_tied_net": [
        ("deepcopy_not_tied", '''
import copy

def make_tied_net():
    layer = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), layer, nn.ReLU(), copy.deepcopy(layer), nn.ReLU(),
                         nn.Linear(8, 1))
''', 'equal values are a copy'),
        ("global_shared_layer", '''
shared = nn.Linear(8, 8)

def make_tied_net():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))
''', 'every call builds new ones'),
        ("weight_only", '''
def make_tied_net():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                        nn.Linear(8, 1))
    net[4].weight = net[2].weight
    return net
''', 'once and put it at positions 2 and 4'),
        ("shared_at_wrong_positions", '''
def make_tied_net():
    shared = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared, nn.ReLU(), nn.ReLU(), nn.Linear(8, 1))
''', 'order of the layers'),
        ("lazy_linear", '''
def make_tied_net():
    shared = nn.LazyLinear(8)
    return nn.Sequential(nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1))
''', 'LazyLinear'),
    ],
    "same_parameter": [
        ("torch_equal", '''
def same_parameter(a, b):
    return torch.equal(a, b)
''', 'compare identity'),
        ("data_ptr", '''
def same_parameter(a, b):
    return a.data_ptr() == b.data_ptr()
''', 'data_ptr()'),
        ("elementwise_eq", '''
def same_parameter(a, b):
    return (a == b).all()
''', 'Python bool'),
        # each .data is a new tensor that dies at once: whether the next one reuses its address (equal ids) depends on
        # when the garbage collector last ran, so either a tied pair or two different parameters catch it first
        ("id_of_data", '''
def same_parameter(a, b):
    return id(a.data) == id(b.data)
''', ('different parameters', 'the very same parameter object')),
    ],
    "tied_pairs": [
        ("default_named_parameters", '''
def tied_pairs(net):
    named = list(net.named_parameters())
    return {(a, b) for i, (a, p) in enumerate(named) for b, q in named[i + 1:] if p is q}
''', 'remove_duplicate=False'),
        ("equal_values", '''
def tied_pairs(net):
    named = list(net.named_parameters(remove_duplicate=False))
    return {(a, b) for i, (a, p) in enumerate(named) for b, q in named[i + 1:]
            if p.shape == q.shape and torch.equal(p, q)}
''', 'equal values are not a tie'),
        ("consecutive_only", '''
def tied_pairs(net):
    last = {}
    pairs = set()
    for name, p in net.named_parameters(remove_duplicate=False):
        if id(p) in last:
            pairs.add((last[id(p)], name))
        last[id(p)] = name
    return pairs
''', 'k*(k-1)/2'),
        ("list_not_set", '''
def tied_pairs(net):
    named = list(net.named_parameters(remove_duplicate=False))
    return [(a, b) for i, (a, p) in enumerate(named) for b, q in named[i + 1:] if p is q]
''', 'return a set'),
        ("reversed_order", '''
def tied_pairs(net):
    named = list(net.named_parameters(remove_duplicate=False))
    return {(b, a) for i, (a, p) in enumerate(named) for b, q in named[i + 1:] if p is q}
''', 'comes first'),
        ("state_dict_data_ptr", '''
def tied_pairs(net):
    names = list(net.state_dict(keep_vars=True).items())
    return {(a, b) for i, (a, p) in enumerate(names) for b, q in names[i + 1:] if p.data_ptr() == q.data_ptr()}
''', 'data_ptr()'),
    ],
    "train_tied": [
        ("no_zero_grad", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = nn.MSELoss()(net(X), y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses
''', 'zero the gradients'),
        ("momentum", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.MSELoss()(net(X), y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses
''', 'plain SGD step'),
        ("loss_after_update", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        nn.MSELoss()(net(X), y).backward()
        opt.step()
        with torch.no_grad():
            losses.append(nn.MSELoss()(net(X), y).item())
    return losses
''', 'before that step'),
        ("shared_updated_twice", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    params = [p for _, p in net.named_parameters(remove_duplicate=False)]
    losses = []
    for _ in range(steps):
        for p in params:
            p.grad = None
        loss = nn.MSELoss()(net(X), y)
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return losses
''', 'twice per step'),
        ("returns_tensors", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.MSELoss()(net(X), y)
        losses.append(loss.detach())
        loss.backward()
        opt.step()
    return losses
''', 'loss.item()'),
        ("sum_reduction", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.MSELoss(reduction="sum")(net(X), y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses
''', 'the mean'),
        ("trains_a_copy", '''
import copy

def train_tied(net, X, y, steps=100, lr=0.1):
    model = copy.deepcopy(net)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), y)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses
''', 'in place'),
        ("mini_batches", '''
def train_tied(net, X, y, steps=100, lr=0.1):
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        for i in range(0, len(X), 8):
            opt.zero_grad()
            loss = nn.MSELoss()(net(X[i:i + 8]), y[i:i + 8])
            loss.backward()
            opt.step()
        losses.append(loss.item())
    return losses
''', 'all of X'),
    ],
}
