"""The checks' messages in Simplified Chinese: each English text, or template of one, with its translation.

A key is an English message as the checks write it, ``{}`` standing for a value filled in; a value is its
translation, ``{0}``, ``{1}``, ... standing for those values in order. What fills a ``{}`` is translated in
turn (a network's description inside a check's name), so each phrase is translated once. Terms as in
d2l-zh 5.2 (i18n/zh/GLOSSARY.md).
"""

TEMPLATES = {
    # ------------------------------------------------------------------ the block's frame (messages.py, guard.py)
    "  expected: ": "  期望：    ",
    "  found:    ": "  实际：    ",
    "  hint:     ": "  提示：    ",
    "  error:    ": "  错误：    ",
    "  in your code:": "  你的代码中：",
    "{}, line {}, in {}": "{0}，第 {1} 行，在 {2} 中",
    "{} raised {}": "{0} 引发了 {1}",
    "{} still raises NotImplementedError: {}": "{0} 仍然引发 NotImplementedError：{1}",
    "no error": "没有错误",
    "(no message)": "（没有消息）",
    "<the error's message could not be shown>": "<无法显示该错误的消息>",
    "replace that line with your code": "把这一行替换为你的代码",
    "change parameters in place under torch.no_grad() (or through .data), so autograd records nothing":
        "在 torch.no_grad() 下（或通过 .data）原地修改参数，使自动微分不记录任何操作",
    "read your code's lines below: the error was raised there": "阅读下面你的代码：错误是在那里引发的",
    "✔ {}: visible tests passed": "✔ {0}：可见测试已通过",
    "✔ {}: hidden tests passed": "✔ {0}：隐藏测试已通过",
    "✔ {}: visible tests passed (first undid changes to {})": "✔ {0}：可见测试已通过（先撤销了对 {1} 的修改）",
    "✔ {}: hidden tests passed (first undid changes to {})": "✔ {0}：隐藏测试已通过（先撤销了对 {1} 的修改）",
    "your function": "你的函数",
    # ------------------------------------------------------------------ structure.py, stats.py
    "a value of type {}": "类型为 {0} 的值",
    "{}: parameters shared between two calls": "{0}：两次调用之间共享的参数",
    "create the layers inside the function, so every call builds new ones":
        "在函数内部创建各层，使每次调用都构建新的层",
    "{}: values of {} in two calls": "{0}：两次调用中 {1} 的值",
    "different random values": "不同的随机值",
    "identical values": "相同的值",
    "let each new layer draw its own initial values; do not copy or reseed":
        "让每个新层自己抽取初始值；不要复制，也不要重新设置种子",
    "this part is built by your {}, which fails its own test: fix {} first":
        "这一部分由你的 {0} 构建，而它没有通过自己的测试：请先修正 {1}",
    "distribution of {}": "{0} 的分布",
    "{} (Kolmogorov-Smirnov distance <= {})": "{0}（Kolmogorov-Smirnov 距离 <= {1}）",
    "distance {}": "距离 {0}",
    "pass std=0.01 (the standard deviation), not the variance": "传入 std=0.01（标准差），而不是方差",
    "the standard deviation is too large: std=0.01": "标准差太大：应为 std=0.01",
    "draw from a normal distribution (nn.init.normal_), not a uniform one":
        "从正态分布（nn.init.normal_）中抽样，而不是均匀分布",
    "std of {}": "{0} 的标准差",
    "range of {}": "{0} 的范围",
    "fraction of exact zeros in {}": "{0} 中精确的零所占的比例",
    "{} ({} to {})": "{0}（{1} 到 {2}）",
    "keep a value only when |w| >= 5 on U(-10, 10): that zeroes half of them, exactly":
        "在 U(-10, 10) 上只保留 |w| >= 5 的值：这恰好把一半的值置零",
    "non-zero values of {}": "{0} 的非零值",
    "|non-zero values| of {}": "{0} 的 |非零值|",
    "|w| between 5 and 10": "|w| 在 5 到 10 之间",
    "|w| from {} to {}": "|w| 从 {0} 到 {1}",
    "zero every value with |w| < 5, keep the others unchanged": "把每个 |w| < 5 的值置零，其他值保持不变",
    "zero every value with |w| < 5, keep the others": "把每个 |w| < 5 的值置零，保留其他值",
    "share of positive values among the non-zero ones in {}": "{0} 的非零值中正值所占的比例",
    "draw from U(-10, 10), both signs equally likely": "从 U(-10, 10) 中抽样，正负号的可能性相同",
    "the kept values must stay uniform: start from nn.init.uniform_(w, -10, 10)":
        "保留下来的值必须仍然均匀分布：从 nn.init.uniform_(w, -10, 10) 开始",
    # ------------------------------------------------------------------ exercise 01
    "the lecture's MLP": "讲义中的 MLP",
    "a nested net with a BatchNorm1d": "一个含 BatchNorm1d 的嵌套网络",
    "a net that uses one Linear twice": "一个把同一个 Linear 用两次的网络",
    "the MLP with its first layer frozen": "第一层被冻结的 MLP",
    "the lecture's MLP in float64": "float64 的讲义 MLP",
    "nn.ReLU() (no parameters)": "nn.ReLU()（没有参数）",
    "param_shapes(net) on {}": "param_shapes(net)（作用于{0}）",
    "count_parameters(net) on {}": "count_parameters(net)（作用于{0}）",
    "bias_values(net, {}) on {}": "bias_values(net, {0})（作用于{1}）",
    "has_no_grads(net) {}": "has_no_grads(net)（{0}）",
    "a dict {name: shape}": "一个字典 {{名称: 形状}}",
    "build a dict, e.g. with a dict comprehension": "构建一个字典，例如用字典推导式",
    "{} key {}": "{0} 的键 {1}",
    "use the names exactly as net.named_parameters() yields them": "名称要与 net.named_parameters() 产出的完全一致",
    "buffers (BatchNorm's running statistics) are in state_dict() but are not parameters":
        "缓冲区（BatchNorm 的滑动统计量）在 state_dict() 中，但不是参数",
    "a parameter shared by several layers appears once in named_parameters()":
        "由多个层共享的参数在 named_parameters() 中只出现一次",
    "frozen parameters (requires_grad=False) are parameters too": "冻结的参数（requires_grad=False）也是参数",
    "missing {}": "缺少 {0}",
    "unexpected {}": "多出 {0}",
    "{}: the keys": "{0}：键",
    "the names {}": "名称 {0}",
    "{}: the value of {}": "{0}：{1} 的值",
    "a shape (torch.Size or tuple of ints)": "一个形状（torch.Size 或由整数组成的元组）",
    "store p.shape, not the parameter or its values": "存储 p.shape，而不是参数本身或它的值",
    "{}: the shape of {}": "{0}：{1} 的形状",
    "store p.shape of that very parameter": "存储这个参数本身的 p.shape",
    "return a Python int, e.g. sum(p.numel() for p in net.parameters())":
        "返回一个 Python int，例如 sum(p.numel() for p in net.parameters())",
    "add p.numel() for every parameter in net.parameters()": "把 net.parameters() 中每个参数的 p.numel() 加起来",
    "frozen parameters (requires_grad=False) are still parameters: count them too":
        "冻结的参数（requires_grad=False）仍然是参数：也要统计它们",
    "a parameter shared by several layers counts once: net.parameters() lists it once":
        "由多个层共享的参数只算一次：net.parameters() 只列出它一次",
    "buffers (e.g. BatchNorm running statistics) are not parameters": "缓冲区（例如 BatchNorm 的滑动统计量）不是参数",
    "count scalar values (p.numel()), not parameter tensors": "统计标量值的个数（p.numel()），而不是参数张量的个数",
    "a plain torch.Tensor": "一个普通的 torch.Tensor",
    "an nn.Parameter": "一个 nn.Parameter",
    "return bias.detach() (or .data), not the parameter itself": "返回 bias.detach()（或 .data），而不是参数本身",
    "return the bias values as a tensor, e.g. net[index].bias.detach()":
        "以张量返回偏置的值，例如 net[index].bias.detach()",
    "{}: requires_grad of the result": "{0}：结果的 requires_grad",
    "a tensor that takes part in autograd was returned: use .detach()":
        "返回了一个参与自动微分的张量：请使用 .detach()",
    "{}: grad_fn of the result": "{0}：结果的 grad_fn",
    "the result still has autograd history: detach it": "结果仍有自动微分的计算历史：请把它分离（detach）",
    "{}: the shape of the result": "{0}：结果的形状",
    "take the bias of net[{}], not its weight or another layer's": "取 net[{0}] 的偏置，而不是它的权重或其他层的偏置",
    "{}: the dtype of the result": "{0}：结果的 dtype",
    "do not convert the values": "不要转换数值",
    "the values of net[{}].bias {}": "net[{0}].bias 的值 {1}",
    "take net[{}].bias, the bias of the layer at that index": "取 net[{0}].bias，即该索引处那个层的偏置",
    "{}: net[{}].bias after the call": "{0}：调用之后的 net[{1}].bias",
    "unchanged and still requiring grad": "不变，并且仍然需要梯度",
    "modified": "被修改了",
    "read the bias; do not change or freeze it": "读取偏置；不要修改或冻结它",
    "return a Python bool (True/False), e.g. all(p.grad is None for p in ...)":
        "返回一个 Python bool（True/False），例如 all(p.grad is None for p in ...)",
    "on the lecture's MLP, fresh": "新建的讲义 MLP",
    "before any backward every .grad is None": "在任何反向传播之前，每个 .grad 都是 None",
    "on the MLP after backward()": "MLP 在 backward() 之后",
    "after backward() the parameters hold gradients": "backward() 之后参数持有梯度",
    "on the MLP after zero_grad(set_to_none=False)": "MLP 在 zero_grad(set_to_none=False) 之后",
    "a tensor of zeros is still a gradient: test p.grad is None, not its values":
        "全零的张量仍然是梯度：判断 p.grad is None，而不是看它的值",
    "on the MLP after zero_grad()": "MLP 在 zero_grad() 之后",
    "zero_grad() sets every .grad back to None": "zero_grad() 把每个 .grad 重新设为 None",
    "on the MLP when only its last bias holds a gradient": "MLP 只有最后一个偏置持有梯度时",
    "look at every parameter of the net, not only some of them": "查看网络的每一个参数，而不是其中一部分",
    "on nn.ReLU() (no parameters)": "nn.ReLU()（没有参数）",
    "a module without parameters holds no gradient": "没有参数的模块不持有梯度",
    "a nested net with BatchNorm and a frozen layer": "一个含 BatchNorm 和一个冻结层的嵌套网络",
    "a net with a layer used three times": "一个把同一个层用三次的网络",
    "a Conv2d(3, 4, (2, 3)) net": "一个 Conv2d(3, 4, (2, 3)) 网络",
    "a frozen Linear(7,9)": "一个冻结的 Linear(7,9)",
    "a 5-7-3 float64 net": "一个 5-7-3 的 float64 网络",
    "a 5-7-3 float64 net (a BatchNorm1d)": "一个 5-7-3 的 float64 网络（一个 BatchNorm1d）",
    "for a fresh nested net": "新建的嵌套网络",
    "every .grad is None before backward": "反向传播之前每个 .grad 都是 None",
    "when only the last bias holds a zero gradient": "只有最后一个偏置持有全零梯度时",
    "look at every parameter, and a tensor of zeros is a gradient": "查看每一个参数，而且全零的张量也是梯度",
    "when only the first weight holds a gradient": "只有第一个权重持有梯度时",
    "look at every parameter, including those of nested blocks": "查看每一个参数，包括嵌套块中的参数",
    "after backward() with a frozen layer": "有冻结层时 backward() 之后",
    "frozen parameters keep .grad None, but the others have gradients":
        "冻结的参数的 .grad 仍为 None，但其他参数有梯度",
    "for nn.ReLU() (no parameters)": "nn.ReLU()（没有参数）",
    # ------------------------------------------------------------------ exercise 02
    "{} with a bias": "带偏置的 {0}",
    "nn.Linear({}, {}) without bias": "无偏置的 nn.Linear({0}, {1})",
    "check the numbers of input and output features": "检查输入特征数和输出特征数",
    "an uninitialised nn.{}, whose input size stays unknown until its first forward pass":
        "一个未初始化的 nn.{0}，在第一次前向传播之前它的输入大小都是未知的",
    "give both sizes: {}": "给出两个大小：{0}",
    "check the order of the layers": "检查各层的顺序",
    "an nn.Sequential": "一个 nn.Sequential",
    "return nn.Sequential({})": "返回 nn.Sequential({0})",
    "{}: the child names": "{0}：子模块的名称",
    "pass the four layers to nn.Sequential(...) directly so they get the default names":
        "把这四个层直接传给 nn.Sequential(...)，使它们得到默认名称",
    "the layers are {}": "各层应为 {0}",
    "start from net = nn.Sequential() and add blocks to it": "从 net = nn.Sequential() 开始，再向其中添加块",
    "use net.add_module(f'block{i}', block1()) for i in range(n)":
        "对 i in range(n) 使用 net.add_module(f'block{{i}}', block1())",
    "{}: block{} and block{}": "{0}：block{1} 与 block{2}",
    "independent blocks": "相互独立的块",
    "the same parameters": "相同的参数",
    "call block1() once per block; [block1()] * n repeats one block":
        "每个块调用一次 block1()；[block1()] * n 是把一个块重复 n 次",
    "return nn.Sequential(block2(), nn.Linear(4, 1))": "返回 nn.Sequential(block2(), nn.Linear(4, 1))",
    "make_rgnet(): the child names": "make_rgnet()：子模块的名称",
    "pass block2() and nn.Linear(4, 1) to nn.Sequential(...) directly":
        "把 block2() 和 nn.Linear(4, 1) 直接传给 nn.Sequential(...)",
    "make_rgnet()(X) for X of shape (5, 4)": "make_rgnet()(X)，X 的形状为 (5, 4)",
    "the output layer is nn.Linear(4, 1)": "输出层是 nn.Linear(4, 1)",
    "get_param(net, {}) on {}": "get_param(net, {0})（作用于{1}）",
    "return the nn.Parameter object itself, not its values (.data, .detach(), state_dict())":
        "返回 nn.Parameter 对象本身，而不是它的值（.data、.detach()、state_dict()）",
    "this is another parameter: follow the dotted name one level at a time": "这是另一个参数：沿以点分隔的名称逐层查找",
    "return the nn.Parameter object that has this name in net.named_parameters()":
        "返回在 net.named_parameters() 中具有这个名称的 nn.Parameter 对象",
    "the parameter object {} itself": "参数对象 {0} 本身",
    "{} is the second name of a layer used twice (its first is {}); named_parameters() lists a shared parameter "
    "once, named_parameters(remove_duplicate=False) under every name":
        "{0} 是一个用了两次的层的第二个名称（第一个名称是 {1}）；named_parameters() 只列出共享参数一次，"
        "named_parameters(remove_duplicate=False) 则以每个名称列出",
    "raise KeyError(name) when no parameter has that name (net.get_parameter raises AttributeError)":
        "没有参数叫这个名称时引发 KeyError(name)（net.get_parameter 引发的是 AttributeError）",
    "a return value {}": "返回值 {0}",
    "raise KeyError(name) when no parameter has that name, do not return a default":
        "没有参数叫这个名称时引发 KeyError(name)，不要返回默认值",
    "a nested net with a BatchNorm1d and a Linear used twice": "一个含 BatchNorm1d 和一个用了两次的 Linear 的嵌套网络",
    "count_modules(net, nn.{}) on {}": "count_modules(net, nn.{0})（作用于{1}）",
    "return a Python int": "返回一个 Python int",
    "walk every nested module with net.modules() and test isinstance(m, kind)":
        "用 net.modules() 遍历每个嵌套模块，并判断 isinstance(m, kind)",
    "a subclass of kind counts too: test isinstance(m, kind), not type(m) == kind":
        "kind 的子类也算：判断 isinstance(m, kind)，而不是 type(m) == kind",
    "net itself counts when it is an instance of kind (net.modules() yields it first)":
        "net 本身是 kind 的实例时也算（net.modules() 首先产出它）",
    "a module registered twice is one module: count it once (net.modules() does)":
        "注册了两次的模块是同一个模块：只算一次（net.modules() 就是这样做的）",
    "children() sees only the top level: nested modules count too": "children() 只看到最上面一层：嵌套的模块也要算",
    "a nested net with a CustomLinear (a subclass of nn.Linear) and a Linear used twice":
        "一个含 CustomLinear（nn.Linear 的子类）和一个用了两次的 Linear 的嵌套网络",
    "block1() (call {})": "block1()（第 {0} 次调用）",
    "block1() (calls 1 and 3)": "block1()（第 1 次和第 3 次调用）",
    "a three-level net": "一个三层嵌套的网络",
    "a net with a shared layer and a Linear subclass": "一个含共享层和 Linear 子类的网络",
    # ------------------------------------------------------------------ exercise 03
    "layer {} ({})": "层 {0}（{1}）",
    "net.apply({}) on {}": "net.apply({0})（作用于{1}）",
    "{}: {}": "{0}: {1}",  # the punctuation of data (a dict's repr) kept as it is
    "{}, at {},": "{0}，在{1}处，",
    "{}: bias": "{0}：偏置",
    "{}: weight": "{0}：权重",
    "{}: buffer {}": "{0}：缓冲区 {1}",
    "the same nn.Parameter object as before": "与之前相同的 nn.Parameter 对象",
    "a new object": "一个新对象",
    "change the values in place (nn.init.*_, .data, or under torch.no_grad()); do not assign a new nn.Parameter":
        "原地修改数值（nn.init.*_、.data，或在 torch.no_grad() 下）；不要赋值一个新的 nn.Parameter",
    "{}.grad_fn": "{0}.grad_fn",
    "edit the values under torch.no_grad() (or through .data) so autograd records nothing":
        "在 torch.no_grad() 下（或通过 .data）修改数值，使自动微分不记录任何操作",
    "{}.requires_grad": "{0}.requires_grad",
    "leave requires_grad as it was": "让 requires_grad 保持原样",
    "only nn.Linear modules may change, and {} is not one": "只有 nn.Linear 模块可以改变，而{0}不是",
    "{} is a subclass of nn.Linear, so it must be initialised too: test isinstance(m, nn.Linear); "
    "type(m) == nn.Linear is False for a subclass":
        "{0} 是 nn.Linear 的子类，所以也必须初始化：判断 isinstance(m, nn.Linear)；"
        "对子类而言 type(m) == nn.Linear 为 False",
    "this weight is frozen (requires_grad=False) and must be initialised all the same "
    "(nn.init.*_ and .data work on it)":
        "这个权重是冻结的（requires_grad=False），但同样必须初始化（nn.init.*_ 和 .data 都对它有效）",
    "every nn.Linear must be initialised: test isinstance(m, nn.Linear)":
        "每个 nn.Linear 都必须初始化：判断 isinstance(m, nn.Linear)",
    "{} sets its weight": "{0} 设置它的权重",
    "its old weight: {} left this layer as it was": "它原来的权重：{0} 没有改动这个层",
    "this Linear has bias=False, so m.bias is None: guard with `if m.bias is not None`":
        "这个 Linear 的 bias=False，所以 m.bias 是 None：请用 `if m.bias is not None` 加以判断",
    "every value {}": "每个值都是 {0}",
    "{} of {} differ, e.g. {}": "{1} 个中有 {0} 个不同，例如 {2}",
    "set the bias to 0 (nn.init.zeros_)": "把偏置设为 0（nn.init.zeros_）",
    "this initialiser changes only the weight": "这个初始化函数只修改权重",
    "the weights of {}": "{0}的权重",
    "set every weight to 1 (nn.init.constant_(m.weight, 1))": "把每个权重设为 1（nn.init.constant_(m.weight, 1)）",
    "use nn.init.xavier_uniform_(m.weight) with gain 1: U(-a, a), a = sqrt(6 / (fan_in + fan_out))":
        "使用增益为 1 的 nn.init.xavier_uniform_(m.weight)：U(-a, a)，a = sqrt(6 / (fan_in + fan_out))",
    "range of the weights of {}": "{0}的权重的范围",
    "max |w| = {}": "max |w| = {0}",
    "set every weight to 42 (nn.init.constant_(m.weight, 42))": "把每个权重设为 42（nn.init.constant_(m.weight, 42)）",
    "the non-zero weights of {}": "{0}的非零权重",
    "nn.Linear{}.apply({}) after torch.manual_seed({})": "torch.manual_seed({2}) 之后的 nn.Linear{0}.apply({1})",
    "{} twice after torch.manual_seed({})": "{0}，两次都在 torch.manual_seed({1}) 之后",
    "the same weights twice": "两次得到相同的权重",
    "different weights": "不同的权重",
    "draw with torch (nn.init.*_, torch.rand*), not numpy or random, so that torch.manual_seed decides the values":
        "用 torch 抽样（nn.init.*_、torch.rand*），而不是 numpy 或 random，使 torch.manual_seed 决定这些值",
    "{} after torch.manual_seed({}) and after torch.manual_seed({})":
        "{0}，分别在 torch.manual_seed({1}) 和 torch.manual_seed({2}) 之后",
    "the same weights": "相同的权重",
    "do not call torch.manual_seed inside {}: the caller's seed must decide the values":
        "不要在 {0} 内部调用 torch.manual_seed：数值必须由调用者的种子决定",
    "a 256-256-256-10 MLP": "一个 256-256-256-10 的 MLP",
    "a net with a BatchNorm1d, a CustomLinear (a subclass of nn.Linear) and a frozen Linear without bias":
        "一个含 BatchNorm1d、CustomLinear（nn.Linear 的子类）和一个无偏置的冻结 Linear 的网络",
    "init_mixed(net) on {}": "init_mixed(net)（作用于{0}）",
    "change only net[0] and net[-1]": "只修改 net[0] 和 net[-1]",
    "a 256-256-256-10 MLP with a BatchNorm1d": "一个含 BatchNorm1d 的 256-256-256-10 MLP",
    "shift_and_pin(net) on {}": "shift_and_pin(net)（作用于{0}）",
    "{}: net[0].weight[0, 0]": "{0}：net[0].weight[0, 0]",
    "first add 1 to every weight, then set [0, 0] to 42 (43 means the order was swapped)":
        "先把每个权重加 1，再把 [0, 0] 设为 42（得到 43 说明顺序反了）",
    "{}: net[0].weight": "{0}：net[0].weight",
    "every old value + 1 (and 42 at [0, 0])": "每个原值 + 1（[0, 0] 处为 42）",
    "other values": "其他值",
    "add 1 to every weight of net[0] in place: net[0].weight += 1 under torch.no_grad()":
        "原地把 net[0] 的每个权重加 1：在 torch.no_grad() 下执行 net[0].weight += 1",
    "change only net[0].weight": "只修改 net[0].weight",
    "{}: net[0].bias": "{0}：net[0].bias",
    "change only the weight of net[0]": "只修改 net[0] 的权重",
    "the MLP with its first weight frozen": "第一个权重被冻结的 MLP",
    "an MLP": "一个 MLP",
    "a nested net with BatchNorm, LayerNorm, a Linear subclass, a bias-free and a frozen layer":
        "一个含 BatchNorm、LayerNorm、Linear 子类、一个无偏置层和一个冻结层的嵌套网络",
    "a 200-300-300-300-5 MLP with a BatchNorm1d": "一个含 BatchNorm1d 的 200-300-300-300-5 MLP",
    "a float64 3-5-2 MLP": "一个 float64 的 3-5-2 MLP",
    "the same net again": "再次作用于同一个网络",
    "a net whose first weight is frozen": "一个第一个权重被冻结的网络",
    # ------------------------------------------------------------------ exercise 04
    "Linear(4, 8), ReLU, L, ReLU, L, ReLU, Linear(8, 1), L being one nn.Linear(8, 8)":
        "Linear(4, 8), ReLU, L, ReLU, L, ReLU, Linear(8, 1)，其中 L 是同一个 nn.Linear(8, 8)",
    "{}: number of layers": "{0}：层数",
    "the shared layer L appears twice, each time followed by a ReLU": "共享层 L 出现两次，每次后面都跟一个 ReLU",
    "return nn.Sequential(...) of the seven layers": "返回由这七个层组成的 nn.Sequential(...)",
    "equal values are a copy, not a tie: put one nn.Linear object at positions 2 and 4":
        "数值相等是副本，不是绑定：在位置 2 和位置 4 放同一个 nn.Linear 对象",
    "create L = nn.Linear(8, 8) once and put it at positions 2 and 4":
        "只创建一次 L = nn.Linear(8, 8)，把它放在位置 2 和位置 4",
    "{}: number of distinct parameters": "{0}：不同参数的个数",
    "only the layers at positions 2 and 4 are tied; positions 0 and 6 have their own parameters":
        "只有位置 2 和位置 4 的层是绑定的；位置 0 和位置 6 有各自的参数",
    "{}(X) for X of shape (5, 4)": "{0}(X)，X 的形状为 (5, 4)",
    "the last layer is nn.Linear(8, 1)": "最后一层是 nn.Linear(8, 1)",
    "same_parameter({})": "same_parameter({0})",
    "return a Python bool: `a is b` is one": "返回一个 Python bool：`a is b` 的结果就是 bool",
    "a parameter is the same as itself": "参数与它自己是同一个参数",
    "net[2].weight, net[4].weight of a tied net": "绑定网络的 net[2].weight, net[4].weight",
    "tied layers hold the very same parameter object": "绑定的层持有同一个参数对象",
    "a weight, a bias": "一个权重, 一个偏置",
    "different parameters": "不同的参数",
    "equal values do not make the same parameter: compare identity with `is`":
        "数值相等不等于同一个参数：用 `is` 比较对象同一性",
    "p, nn.Parameter(p.data) (another object, same memory)": "p, nn.Parameter(p.data)（另一个对象，同一块内存）",
    "sharing memory is not being the same parameter: compare the objects with `is`, not data_ptr()":
        "共享内存不等于同一个参数：用 `is` 比较对象，而不是 data_ptr()",
    "two parameters filled with 0.5": "两个填满 0.5 的参数",
    "equal values are not identity": "数值相等不代表是同一个对象",
    "tied_pairs(net) on {}": "tied_pairs(net)（作用于{0}）",
    "return a set of (name_a, name_b) tuples": "返回一个由 (name_a, name_b) 元组组成的集合",
    "{}: an element": "{0}：一个元素",
    "a tuple (name_a, name_b) of two str": "一个由两个 str 组成的元组 (name_a, name_b)",
    "add tuples of two names, e.g. ('2.weight', '4.weight')": "添加由两个名称组成的元组，例如 ('2.weight', '4.weight')",
    "group the names of net.named_parameters(remove_duplicate=False) by parameter object (`is` or id)":
        "按参数对象（`is` 或 id）把 net.named_parameters(remove_duplicate=False) 的名称分组",
    "named_parameters() hides repeats by default: pass remove_duplicate=False":
        "named_parameters() 默认隐藏重复项：请传入 remove_duplicate=False",
    "put the name that comes first in named_parameters(remove_duplicate=False) first":
        "把在 named_parameters(remove_duplicate=False) 中先出现的名称放在前面",
    "a name is not paired with itself": "名称不与自身配对",
    "sharing memory is not a tie: nn.Parameter(p.data) is another parameter with p's memory; compare parameter "
    "objects with `is` (or id), not data_ptr()":
        "共享内存不是绑定：nn.Parameter(p.data) 是使用 p 的内存的另一个参数；用 `is`（或 id）比较参数对象，"
        "而不是 data_ptr()",
    "equal values are not a tie: compare parameter objects with `is` (or id), not their values":
        "数值相等不是绑定：用 `is`（或 id）比较参数对象，而不是比较它们的值",
    "a parameter used k times gives k*(k-1)/2 pairs: pair every two of its names":
        "被使用 k 次的参数给出 k*(k-1)/2 对：它的名称两两配对",
    "{} pairs {}": "{0} 对 {1}",
    "{} pairs; missing {}, unexpected {}": "{0} 对；缺少 {1}，多出 {2}",
    "the tied net": "绑定网络",
    "a net that uses one Linear three times": "一个把同一个 Linear 用三次的网络",
    "a net with equal values and shared memory but no tie": "一个数值相等、共享内存但没有绑定的网络",
    "an untied MLP": "一个未绑定的 MLP",
    "train_tied(net, X, y) on {}": "train_tied(net, X, y)（作用于{0}）",
    "train_tied(net, X, y, {}) on {}": "train_tied(net, X, y, {0})（作用于{1}）",
    "train_tied(net, X, y, {}, {}) on {}": "train_tied(net, X, y, {0}, {1})（作用于{2}）",
    "train_tied(net, X, y, 3, 0.1) on the tied net": "train_tied(net, X, y, 3, 0.1)（作用于绑定网络）",
    "return a list of the losses": "返回由各步损失组成的列表",
    "{}: the number of losses": "{0}：损失的个数",
    "record one loss per step": "每一步记录一个损失",
    "{}: losses[{}]": "{0}：losses[{1}]",
    "store loss.item() (a Python float), not the loss tensor": "存储 loss.item()（一个 Python 浮点数），而不是损失张量",
    "{}: parameter {} after training": "{0}：训练之后的参数 {1}",
    "a different object": "另一个对象",
    "update the parameters in place (optimizer.step() or p -= ... under no_grad)":
        "原地更新参数（optimizer.step()，或在 no_grad 下执行 p -= ...）",
    "each step: zero the gradients, compute nn.MSELoss() on all of X, record loss.item(), backward, one plain SGD step":
        "每一步：清零梯度，在全部 X 上计算 nn.MSELoss()，记录 loss.item()，反向传播，走一步普通的 SGD",
    "record each step's loss before that step's update, not after it": "在每一步更新之前记录这一步的损失，而不是之后",
    "losses[0] is the loss of the untrained net on all of X at once, with nn.MSELoss() (the mean)":
        "losses[0] 是未训练的网络一次性在全部 X 上用 nn.MSELoss()（取均值）算出的损失",
    "{}: the loss of step {}": "{0}：第 {1} 步的损失",
    "{}: the parameters after training": "{0}：训练之后的参数",
    "changed by the training": "被训练改变",
    "train `net` itself, in place, not a copy of it": "原地训练 `net` 本身，而不是它的副本",
    "{}: {} after training": "{0}：训练之后的 {1}",
    "the parameters plain SGD reaches": "普通 SGD 得到的参数",
    "update each distinct parameter once per step: optimizer = torch.optim.SGD(net.parameters(), lr=lr)":
        "每一步对每个不同的参数只更新一次：optimizer = torch.optim.SGD(net.parameters(), lr=lr)",
    "a tied parameter was updated once per name, so twice per step: update each distinct parameter once "
    "(net.parameters() lists it once, named_parameters(remove_duplicate=False) under every name)":
        "绑定的参数按名称各更新了一次，所以每一步更新了两次：每个不同的参数只更新一次"
        "（net.parameters() 只列出它一次，named_parameters(remove_duplicate=False) 则以每个名称列出）",
    "the tied net after train_tied": "train_tied 之后的绑定网络",
    "still tied": "仍然绑定",
    "no longer tied": "不再绑定",
    "update parameters in place; never assign new nn.Parameter objects": "原地更新参数；不要赋值新的 nn.Parameter 对象",
    "{}[{}].{} is {}[{}].{}": "{0}[{1}].{2} is {3}[{4}].{5}",
    "{}[{}]": "{0}[{1}]",
    "make_tied_net() (call {})": "make_tied_net()（第 {0} 次调用）",
    "make_tied_net() (calls 1 and 3)": "make_tied_net()（第 1 次和第 3 次调用）",
    "weights tied by assignment": "通过赋值绑定的权重",
    "layer_b.weight = layer_a.weight makes them one parameter": "layer_b.weight = layer_a.weight 使它们成为同一个参数",
    "the untied biases": "未绑定的偏置",
    "p, nn.Parameter(p.data) (same memory)": "p, nn.Parameter(p.data)（同一块内存）",
    "sharing memory is not being the same parameter: compare objects with `is`, not data_ptr()":
        "共享内存不等于同一个参数：用 `is` 比较对象，而不是 data_ptr()",
    "a (5, 5) and a (1, 5) parameter": "一个 (5, 5) 的参数和一个 (1, 5) 的参数",
    "parameters of different shapes are different parameters": "形状不同的参数是不同的参数",
    "p, copy.copy(p)": "p, copy.copy(p)",
    "a copy is a new object, even when it looks the same": "副本是一个新对象，即使它看起来一样",
    "two empty parameters": "两个空参数",
    "two objects are two parameters, even empty ones (whose data_ptr() is 0 for all)":
        "两个对象就是两个参数，即使是空参数（它们的 data_ptr() 全都是 0）",
    "a layer used three times": "一个用了三次的层",
    "weight-only tie in nested blocks": "嵌套块中只绑定权重",
    "two untied layers with equal values": "两个数值相等但未绑定的层",
    "weight-only tie": "只绑定权重",
}
