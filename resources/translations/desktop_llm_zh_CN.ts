<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About desktop-llm</source>
        <translation>关于 desktop-llm</translation>
    </message>
    <message>
        <source>An offline-first chat app for local language models.</source>
        <translation>离线优先的本地大语言模型聊天应用。</translation>
    </message>
    <message>
        <source>Asking the engine…</source>
        <translation>正在询问引擎…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>版本：</translation>
    </message>
    <message>
        <source>Backend:</source>
        <translation>后端：</translation>
    </message>
    <message>
        <source>Data folder:</source>
        <translation>数据文件夹：</translation>
    </message>
    <message>
        <source>Runs on:</source>
        <translation>运行于：</translation>
    </message>
    <message>
        <source>Part</source>
        <translation>组件</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>License</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Reading the licenses…</source>
        <translation>正在读取许可证…</translation>
    </message>
    <message>
        <source>Parts and their licenses:</source>
        <translation>组件及其许可证：</translation>
    </message>
    <message>
        <source>{0}, with GPU offload (llama-cpp-python {1})</source>
        <translation>{0}，支持 GPU 卸载（llama-cpp-python {1}）</translation>
    </message>
    <message>
        <source>{0} (llama-cpp-python {1})</source>
        <translation>{0}（llama-cpp-python {1}）</translation>
    </message>
    <message>
        <source>Unknown: {0}</source>
        <translation>未知：{0}</translation>
    </message>
    <message>
        <source>No license text ships with this part; its license is {0}.</source>
        <translation>此组件未附带许可证全文；其许可证为 {0}。</translation>
    </message>
</context>
<context>
    <name>BackgroundTasks</name>
    <message>
        <source>Something went wrong: {0}. Details are in the log file.</source>
        <translation>出错了：{0}。详细信息见日志文件。</translation>
    </message>
</context>
<context>
    <name>ChatBridge</name>
    <message>
        <source>Could not create the folder {path} ({problem}); nothing was written.</source>
        <translation>无法创建文件夹 {path}（{problem}）；没有写入任何内容。</translation>
    </message>
</context>
<context>
    <name>ChatStatusBar</name>
    <message>
        <source>Safe mode</source>
        <translation>安全模式</translation>
    </message>
    <message>
        <source>Backend: starting…</source>
        <translation>后端：正在启动…</translation>
    </message>
    <message>
        <source>GPU offload available</source>
        <translation>可将计算卸载到 GPU</translation>
    </message>
    <message>
        <source>no GPU offload in this build</source>
        <translation>此版本不支持 GPU 卸载</translation>
    </message>
    <message>
        <source>Backend: {0}</source>
        <translation>后端：{0}</translation>
    </message>
    <message>
        <source>llama.cpp runs without its optimized CPU kernels: {0}</source>
        <translation>llama.cpp 未使用其优化的 CPU 内核运行：{0}</translation>
    </message>
    <message>
        <source>Serving at {0} · {1} requests</source>
        <translation>正在 {0} 提供服务 · {1} 个请求</translation>
    </message>
    <message>
        <source>The loaded model answers OpenAI API requests at {0}</source>
        <translation>已加载的模型在 {0} 响应 OpenAI API 请求</translation>
    </message>
    <message>
        <source> · last error: {0}</source>
        <translation> · 最近的错误：{0}</translation>
    </message>
    <message>
        <source>Last error: {0}</source>
        <translation>最近的错误：{0}</translation>
    </message>
    <message>
        <source>GPU layers: –</source>
        <translation>GPU 层数：–</translation>
    </message>
    <message>
        <source>Context: –</source>
        <translation>上下文：–</translation>
    </message>
    <message>
        <source>Remote: {0}</source>
        <translation>远程：{0}</translation>
    </message>
    <message>
        <source>GPU layers: {0}/{1}</source>
        <translation>GPU 层数：{0}/{1}</translation>
    </message>
    <message>
        <source> (running on the CPU)</source>
        <translation>（在 CPU 上运行）</translation>
    </message>
    <message>
        <source>Context: {0} / {1}</source>
        <translation>上下文：{0} / {1}</translation>
    </message>
    <message>
        <source>{0}% of the model&apos;s context is used</source>
        <translation>已使用模型上下文的 {0}%</translation>
    </message>
    <message>
        <source>Context: {0} tokens (size unknown)</source>
        <translation>上下文：{0} 个词元（大小未知）</translation>
    </message>
    <message>
        <source>Context: size unknown</source>
        <translation>上下文：大小未知</translation>
    </message>
    <message>
        <source>The server does not say this model&apos;s context size; the conversation&apos;s tokens are shown alone.</source>
        <translation>服务器没有告知此模型的上下文大小；这里只显示对话的词元数。</translation>
    </message>
    <message>
        <source>{0} tok/s</source>
        <translation>{0} token/秒</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>No matches</source>
        <translation>没有匹配的结果</translation>
    </message>
</context>
<context>
    <name>ConversationModel</name>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>{0} (pinned)</source>
        <translation>{0}（已置顶）</translation>
    </message>
</context>
<context>
    <name>ConversationView</name>
    <message>
        <source>Pin</source>
        <translation>置顶</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete “{0}” and all its messages? This cannot be undone.</source>
        <translation>删除“{0}”及其所有消息？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Unpin</source>
        <translation>取消置顶</translation>
    </message>
</context>
<context>
    <name>Conversations</name>
    <message>
        <source>Message {id} is not in this conversation.</source>
        <translation>消息 {id} 不在此对话中。</translation>
    </message>
    <message>
        <source>This conversation&apos;s message tree is damaged (a cycle).</source>
        <translation>此对话的消息树已损坏（存在循环）。</translation>
    </message>
    <message>
        <source>Only your own messages can be edited.</source>
        <translation>只能编辑你自己的消息。</translation>
    </message>
    <message>
        <source>Only a reply of the model can be regenerated.</source>
        <translation>只能重新生成模型的回复。</translation>
    </message>
    <message>
        <source>There is no question in this conversation to answer again.</source>
        <translation>此对话中没有可以重新回答的问题。</translation>
    </message>
    <message>
        <source>Only a finished reply of the model can be continued.</source>
        <translation>只能继续已完成的模型回复。</translation>
    </message>
    <message>
        <source>This reply is complete; regenerate it to get another version.</source>
        <translation>这条回复已经完整；如需另一个版本，请重新生成。</translation>
    </message>
    <message>
        <source>This reply answers no question; it cannot be continued.</source>
        <translation>这条回复没有对应的问题，无法继续。</translation>
    </message>
    <message>
        <source>Only the last reply of a conversation can be continued.</source>
        <translation>只能继续对话中的最后一条回复。</translation>
    </message>
    <message>
        <source>The message is empty.</source>
        <translation>消息为空。</translation>
    </message>
    <message>
        <source>The conversation was deleted; its reply was stopped.</source>
        <translation>对话已被删除，其回复已停止。</translation>
    </message>
</context>
<context>
    <name>Conversion</name>
    <message>
        <source>This app was packaged without the converter from Hugging Face weights to GGUF (it needs torch and transformers, about 1.1 GB). Convert with desktop-llm installed from source with its convert extra ({hint}), then import the .gguf here; or download a ready GGUF from the Hub. Quantizing a GGUF works here.</source>
        <translation>此应用打包时未包含从 Hugging Face 权重转换为 GGUF 的转换器（它需要 torch 和 transformers，约 1.1 GB）。请使用从源码安装并带 convert 扩展的 desktop-llm 进行转换（{hint}），然后在这里导入 .gguf 文件；或者从 Hub 下载现成的 GGUF。在这里可以量化 GGUF。</translation>
    </message>
    <message>
        <source>Converting Hugging Face models needs the optional converter ({missing} missing). Add it with: {hint}</source>
        <translation>转换 Hugging Face 模型需要可选的转换器（缺少 {missing}）。安装方法：{hint}</translation>
    </message>
    <message>
        <source>Cancelled; the partial files were removed.</source>
        <translation>已取消；未完成的文件已删除。</translation>
    </message>
    <message>
        <source>The output type must be one of {types}.</source>
        <translation>输出类型必须是 {types} 之一。</translation>
    </message>
    <message>
        <source>Checking the model folder</source>
        <translation>正在检查模型文件夹</translation>
    </message>
    <message>
        <source>{path} already exists: choose another name, or remove that model.</source>
        <translation>{path} 已存在：请换一个名称，或删除该模型。</translation>
    </message>
    <message>
        <source>{count} GGUF file(s)</source>
        <translation>{count} 个 GGUF 文件</translation>
    </message>
    <message>
        <source>{source} is neither a model folder nor a Hub repo id (owner/name).</source>
        <translation>{source} 既不是模型文件夹，也不是 Hub 仓库 ID（所有者/名称）。</translation>
    </message>
    <message>
        <source>Downloading {repo} from the Hub</source>
        <translation>正在从 Hub 下载 {repo}</translation>
    </message>
    <message>
        <source>the weights of {repo}</source>
        <translation>{repo} 的权重</translation>
    </message>
    <message>
        <source>{done} of {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>Cancelled; what was downloaded stays for the next try.</source>
        <translation>已取消；已下载的部分会保留，供下次继续使用。</translation>
    </message>
    <message>
        <source>conversion</source>
        <translation>转换</translation>
    </message>
    <message>
        <source>quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>{name} is already quantized ({type}); quantizing it again would lose quality twice. Quantize its F16 or BF16 file instead.</source>
        <translation>{name} 已经量化过（{type}）；再次量化会两次损失质量。请改为量化它的 F16 或 BF16 文件。</translation>
    </message>
    <message>
        <source>unknown type</source>
        <translation>未知类型</translation>
    </message>
    <message>
        <source>{name} is already {type}.</source>
        <translation>{name} 已经是 {type}。</translation>
    </message>
    <message>
        <source>{path} already exists: remove that model first.</source>
        <translation>{path} 已存在：请先删除该模型。</translation>
    </message>
    <message>
        <source>There is no text file at {path}.</source>
        <translation>{path} 处没有文本文件。</translation>
    </message>
    <message>
        <source>evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>正在开始</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>{name} was written but cannot be used: {error}</source>
        <translation>{name} 已写入，但无法使用：{error}</translation>
    </message>
    <message>
        <source>{type} is not a quantization this app can make; choose one of {types}.</source>
        <translation>本应用无法生成 {type} 量化；请从 {types} 中选择。</translation>
    </message>
    <message>
        <source>{folder} has no config.json: it is not a Hugging Face model folder.</source>
        <translation>{folder} 中没有 config.json：它不是 Hugging Face 模型文件夹。</translation>
    </message>
    <message>
        <source>{folder} has no weights (*.safetensors or pytorch_model*.bin files).</source>
        <translation>{folder} 中没有权重（*.safetensors 或 pytorch_model*.bin 文件）。</translation>
    </message>
    <message>
        <source>{folder}/config.json cannot be read ({error}).</source>
        <translation>无法读取 {folder}/config.json（{error}）。</translation>
    </message>
    <message>
        <source>{folder}/config.json names no architecture.</source>
        <translation>{folder}/config.json 中没有指定架构。</translation>
    </message>
    <message>
        <source>{architecture} is not an architecture llama.cpp&apos;s converter supports (it converts {examples} and about {count} text architectures in all).</source>
        <translation>llama.cpp 的转换器不支持 {architecture} 架构（它可以转换 {examples} 等，共约 {count} 种文本模型架构）。</translation>
    </message>
    <message>
        <source>{name} is not a readable safetensors file ({error}).</source>
        <translation>{name} 不是可读取的 safetensors 文件（{error}）。</translation>
    </message>
    <message>
        <source>Not enough free space for {what}: it needs about {size}, and {folder} has only {free} free. Free some space or choose another models folder, then try again.</source>
        <translation>没有足够的空间存放{what}：大约需要 {size}，而 {folder} 只剩 {free}。请释放一些空间或选择其他模型文件夹，然后重试。</translation>
    </message>
    <message>
        <source>{name} cannot be used as a model name.</source>
        <translation>{name} 不能用作模型名称。</translation>
    </message>
    <message>
        <source>The {what} failed ({failure}); the app is fine, and the details are in the log.</source>
        <translation>{what}失败（{failure}）；应用本身不受影响，详细信息见日志。</translation>
    </message>
    <message>
        <source>The {what} process crashed ({cause}); the app is fine, and the details are in the log.</source>
        <translation>{what}进程崩溃了（{cause}）；应用本身不受影响，详细信息见日志。</translation>
    </message>
</context>
<context>
    <name>ConvertDialog</name>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>正在检查</translation>
    </message>
    <message>
        <source>Converting</source>
        <translation>正在转换</translation>
    </message>
    <message>
        <source>Quantizing to {0}</source>
        <translation>正在量化为 {0}</translation>
    </message>
    <message>
        <source>Measuring {0}</source>
        <translation>正在测量 {0}</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>Convert a model to GGUF</source>
        <translation>将模型转换为 GGUF</translation>
    </message>
    <message>
        <source>A folder with config.json and weights, or a Hub repo id</source>
        <translation>包含 config.json 和权重的文件夹，或 Hub 仓库 ID</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Measure quality (perplexity)</source>
        <translation>测量质量（困惑度）</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <source>Change vs base</source>
        <translation>相对基准的变化</translation>
    </message>
    <message>
        <source>Chat with it</source>
        <translation>用它聊天</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Output type</source>
        <translation>输出类型</translation>
    </message>
    <message>
        <source>Quantize to</source>
        <translation>量化为</translation>
    </message>
    <message>
        <source>Output name</source>
        <translation>输出名称</translation>
    </message>
    <message>
        <source>Quantize {0}</source>
        <translation>量化 {0}</translation>
    </message>
    <message>
        <source>Quantizing an installed model: its new files are named after it.</source>
        <translation>正在量化已安装的模型：新文件将以它的名称命名。</translation>
    </message>
    <message>
        <source>A folder of Hugging Face weights</source>
        <translation>Hugging Face 权重文件夹</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Cancelled; partial files were removed.</source>
        <translation>已取消；未完成的文件已删除。</translation>
    </message>
</context>
<context>
    <name>DiscoverTab</name>
    <message>
        <source>Search the Hugging Face Hub for GGUF models</source>
        <translation>在 Hugging Face Hub 上搜索 GGUF 模型</translation>
    </message>
    <message>
        <source>Most downloaded</source>
        <translation>下载最多</translation>
    </message>
    <message>
        <source>Most liked</source>
        <translation>点赞最多</translation>
    </message>
    <message>
        <source>Recently updated</source>
        <translation>最近更新</translation>
    </message>
    <message>
        <source>Author (optional)</source>
        <translation>作者（可选）</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Repository</source>
        <translation>仓库</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载量</translation>
    </message>
    <message>
        <source>Likes</source>
        <translation>点赞</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>更新于</translation>
    </message>
    <message>
        <source>License</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Access</source>
        <translation>访问</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> token</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>内存需求</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>HF_HUB_OFFLINE is set, so the Hugging Face Hub is not contacted: searching and downloading are off. Models already on this computer work as usual; unset HF_HUB_OFFLINE and reopen this window to search.</source>
        <translation>已设置 HF_HUB_OFFLINE，因此不会连接 Hugging Face Hub：搜索和下载已关闭。本机已有的模型照常可用；取消 HF_HUB_OFFLINE 并重新打开此窗口即可搜索。</translation>
    </message>
    <message>
        <source>Fit at a context of</source>
        <translation>按此上下文长度估算内存：</translation>
    </message>
    <message>
        <source>recommended</source>
        <translation>推荐</translation>
    </message>
    <message>
        <source>Recommended models. Search to see everything on the Hub.</source>
        <translation>推荐的模型。搜索可查看 Hub 上的全部模型。</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <source>gated</source>
        <translation>需授权</translation>
    </message>
    <message>
        <source>open</source>
        <translation>公开</translation>
    </message>
    <message>
        <source>{0} repositories found.</source>
        <translation>找到 {0} 个仓库。</translation>
    </message>
    <message>
        <source>Nothing found.</source>
        <translation>没有找到结果。</translation>
    </message>
    <message>
        <source>Reading the files of {0}…</source>
        <translation>正在读取 {0} 的文件…</translation>
    </message>
    <message>
        <source> This repository is gated: a Hugging Face token is needed (Settings tab).</source>
        <translation>此仓库需要授权：需要 Hugging Face 访问令牌（见“设置”标签页）。</translation>
    </message>
    <message>
        <source>{0}: {1} GGUF files.</source>
        <translation>{0}：{1} 个 GGUF 文件。</translation>
    </message>
    <message>
        <source> ({0} parts)</source>
        <translation>（{0} 个分卷）</translation>
    </message>
    <message>
        <source> — incomplete on the Hub</source>
        <translation> — Hub 上的文件不完整</translation>
    </message>
    <message>
        <source>estimating…</source>
        <translation>正在估算…</translation>
    </message>
</context>
<context>
    <name>Downloads</name>
    <message>
        <source>Not enough free space to download {name}: it needs {size} more, and {folder} has only {free} free. Free some space or choose another models folder, then try again.</source>
        <translation>没有足够的空间下载 {name}：还需要 {size}，而 {folder} 只剩 {free}。请释放一些空间或选择其他模型文件夹，然后重试。</translation>
    </message>
    <message>
        <source>The Hub listed a file named {path}, which {problem}; it was not downloaded, to keep files inside the models folder.</source>
        <translation>Hub 列出了一个名为 {path} 的文件，该名称{problem}；为确保文件都留在模型文件夹内，它没有被下载。</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>为空</translation>
    </message>
    <message>
        <source>contains a backslash</source>
        <translation>包含反斜杠</translation>
    </message>
    <message>
        <source>is an absolute path</source>
        <translation>是绝对路径</translation>
    </message>
    <message>
        <source>starts with a drive letter</source>
        <translation>以盘符开头</translation>
    </message>
    <message>
        <source>points to a parent or current folder</source>
        <translation>指向上级或当前文件夹</translation>
    </message>
    <message>
        <source>has an empty folder name</source>
        <translation>包含空的文件夹名</translation>
    </message>
    <message>
        <source>{repo} is not a valid Hub repository name.</source>
        <translation>{repo} 不是有效的 Hub 仓库名称。</translation>
    </message>
    <message>
        <source>The Hub file {path} has no usable file name.</source>
        <translation>Hub 文件 {path} 没有可用的文件名。</translation>
    </message>
    <message>
        <source>The Hub file {path} of {repo} would be saved outside the models folder {folder}; it was not downloaded.</source>
        <translation>{repo} 的 Hub 文件 {path} 会被保存到模型文件夹 {folder} 之外；因此没有下载它。</translation>
    </message>
    <message>
        <source>Nothing to download from {repo}: no files were chosen.</source>
        <translation>{repo} 没有要下载的内容：未选择任何文件。</translation>
    </message>
    <message>
        <source>Two of the chosen files of {repo} have the same name; download them one at a time.</source>
        <translation>{repo} 中选中的两个文件同名；请逐个下载。</translation>
    </message>
    <message>
        <source>Downloading {name} failed: {reason}{where}. Check the disk and the models folder, then try again.</source>
        <translation>下载 {name} 失败：{reason}{where}。请检查磁盘和模型文件夹，然后重试。</translation>
    </message>
    <message>
        <source>Downloading {repo} failed because of an unexpected problem in desktop-llm; the details are in its log file.</source>
        <translation>由于 desktop-llm 内部的意外问题，下载 {repo} 失败；详细信息见日志文件。</translation>
    </message>
    <message>
        <source>Couldn&apos;t write down the download of {repo} in {folder}: {reason}{where}. Check the disk and the models folder, then try again.</source>
        <translation>无法在 {folder} 中记录 {repo} 的下载：{reason}{where}。请检查磁盘和模型文件夹，然后重试。</translation>
    </message>
    <message>
        <source>{name} is being downloaded by another desktop-llm (a window or a command) right now. Let that one finish, then ask again: the file will be there.</source>
        <translation>另一个 desktop-llm（窗口或命令）正在下载 {name}。请等它完成后再试：文件届时就在那里了。</translation>
    </message>
    <message>
        <source>{path} from {repo}</source>
        <translation>{repo} 中的 {path}</translation>
    </message>
    <message>
        <source>Couldn&apos;t write {file}: {reason}. Check the disk and the models folder, then resume the download.</source>
        <translation>无法写入 {file}：{reason}。请检查磁盘和模型文件夹，然后继续下载。</translation>
    </message>
    <message>
        <source>Downloading {name} failed {count} times in a row; the last time {reason}. The {size} received so far are kept: resume the download to continue from there.</source>
        <translation>下载 {name} 连续失败 {count} 次；最后一次：{reason}。已收到的 {size} 会保留：继续下载即可从断点接着下。</translation>
    </message>
    <message>
        <source>{reason}; trying again in {seconds} s</source>
        <translation>{reason}；{seconds} 秒后重试</translation>
    </message>
    <message>
        <source>Can&apos;t download {name}: the Hub is switched off by the HF_HUB_OFFLINE environment variable.</source>
        <translation>无法下载 {name}：环境变量 HF_HUB_OFFLINE 关闭了 Hub 访问。</translation>
    </message>
    <message>
        <source>no data arrived for {seconds} s (the connection stalled)</source>
        <translation>{seconds} 秒内没有收到数据（连接停滞）</translation>
    </message>
    <message>
        <source>the Hub could not be reached</source>
        <translation>无法连接到 Hub</translation>
    </message>
    <message>
        <source>the connection dropped</source>
        <translation>连接中断</translation>
    </message>
    <message>
        <source>Downloading {name} failed: the server&apos;s answer could not be used ({error}).</source>
        <translation>下载 {name} 失败：服务器的响应无法使用（{error}）。</translation>
    </message>
    <message>
        <source>the connection ended after {size} of {expected}</source>
        <translation>连接在收到 {size}（共 {expected}）后结束</translation>
    </message>
    <message>
        <source>the server answered HTTP {status}</source>
        <translation>服务器返回 HTTP {status}</translation>
    </message>
    <message>
        <source>The Hub answered HTTP {status} for {name}.</source>
        <translation>Hub 对 {name} 返回了 HTTP {status}。</translation>
    </message>
    <message>
        <source>the partial file did not match the server&apos;s copy; starting over</source>
        <translation>未完成的文件与服务器上的不一致；重新开始下载</translation>
    </message>
    <message>
        <source>the server sent another range than asked for ({got})</source>
        <translation>服务器发送的范围与请求的不同（{got}）</translation>
    </message>
    <message>
        <source>{name} changed on the Hub: it is now {size}, not {expected}. Refresh the model&apos;s file list and download it again.</source>
        <translation>{name} 在 Hub 上已更改：现在是 {size}，而不是 {expected}。请刷新模型的文件列表后重新下载。</translation>
    </message>
    <message>
        <source>the server sent more than {size}</source>
        <translation>服务器发送的数据超过了 {size}</translation>
    </message>
    <message>
        <source>it is {size} instead of {expected}</source>
        <translation>大小为 {size}，而不是 {expected}</translation>
    </message>
    <message>
        <source>its checksum doesn&apos;t match the Hub&apos;s</source>
        <translation>校验和与 Hub 上的不一致</translation>
    </message>
    <message>
        <source>The downloaded {name} is damaged: {why}; it was deleted, download it again.</source>
        <translation>下载的 {name} 已损坏：{why}；它已被删除，请重新下载。</translation>
    </message>
</context>
<context>
    <name>DownloadsTab</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>{0}/s</source>
        <translation>{0}/秒</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Checking</source>
        <translation>校验中</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>Engine</name>
    <message>
        <source>The engine has been shut down.</source>
        <translation>引擎已关闭。</translation>
    </message>
    <message>
        <source>The engine could not start: {reason}</source>
        <translation>引擎无法启动：{reason}</translation>
    </message>
    <message>
        <source>The engine did not stop within {seconds} seconds, so it was ended; it restarts with your next message.</source>
        <translation>引擎未能在 {seconds} 秒内停止，已被强制结束；发送下一条消息时会重新启动。</translation>
    </message>
    <message>
        <source>The engine stopped unexpectedly ({cause}); it restarts with your next message.</source>
        <translation>引擎意外停止（{cause}）；发送下一条消息时会重新启动。</translation>
    </message>
    <message>
        <source>The engine stopped unexpectedly ({cause}) while loading the model; the app is fine. Try again, or turn on safe mode in the model settings.</source>
        <translation>引擎在加载模型时意外停止（{cause}）；应用本身不受影响。请重试，或在模型设置中开启安全模式。</translation>
    </message>
    <message>
        <source>The engine stopped unexpectedly ({cause}) while working; the app is fine. Try again, or turn on safe mode in the model settings.</source>
        <translation>引擎在工作时意外停止（{cause}）；应用本身不受影响。请重试，或在模型设置中开启安全模式。</translation>
    </message>
    <message>
        <source>The request could not be sent to the engine: {reason}.</source>
        <translation>无法把请求发送给引擎：{reason}。</translation>
    </message>
    <message>
        <source>loading {name}</source>
        <translation>加载 {name}</translation>
    </message>
    <message>
        <source>The model could not be loaded again after the engine stopped: {error}</source>
        <translation>引擎停止后无法重新加载模型：{error}</translation>
    </message>
    <message>
        <source>writing its first reply</source>
        <translation>生成第一条回复</translation>
    </message>
    <message>
        <source>llama.cpp crashed on {cpu} while {during} with its optimized CPU kernels (AMX, repacked weights); safe mode turns them off on this machine.</source>
        <translation>llama.cpp 在 {cpu} 上{during}时，其优化的 CPU 内核（AMX、重排权重）崩溃了；安全模式会在这台机器上关闭这些内核。</translation>
    </message>
    <message>
        <source>The engine could not be started: {reason}.</source>
        <translation>无法启动引擎：{reason}。</translation>
    </message>
    <message>
        <source>The engine stopped unexpectedly ({cause}) while writing this reply; the text above was kept.</source>
        <translation>引擎在生成这条回复时意外停止（{cause}）；上面的文字已保留。</translation>
    </message>
    <message>
        <source>The engine stopped unexpectedly ({cause}) before this reply began.</source>
        <translation>引擎在这条回复开始之前意外停止（{cause}）。</translation>
    </message>
    <message>
        <source>The conversation no longer fits in the model&apos;s context ({needed} tokens with room for the reply, the context holds {n_ctx}). Start a new chat, raise the context length in the model settings, or choose dropping old messages in Settings.</source>
        <translation>对话已超出模型的上下文（加上回复所需空间共 {needed} 个 token，而上下文只能容纳 {n_ctx} 个）。请开始新对话、在模型设置中增大上下文长度，或在设置中选择丢弃旧消息。</translation>
    </message>
    <message>
        <source>This message needs {needed} tokens, more than the model&apos;s context of {n_ctx}. Shorten it, or raise the context length in the model settings.</source>
        <translation>这条消息需要 {needed} 个 token，超过了模型的上下文长度（{n_ctx}）。请缩短消息，或在模型设置中增大上下文长度。</translation>
    </message>
    <message>
        <source>Not enough memory for this model at a context of {n_ctx} tokens. Try a shorter context length, fewer GPU layers, or a smaller quantization.</source>
        <translation>内存不足，无法以 {n_ctx} token 的上下文运行此模型。请尝试缩短上下文长度、减少 GPU 层数，或使用更小的量化版本。</translation>
    </message>
    <message>
        <source>The chat template inside {name} is broken and cannot be used: {error}</source>
        <translation>{name} 内置的聊天模板已损坏，无法使用：{error}</translation>
    </message>
    <message>
        <source>llama.cpp loaded {name} but could not run it: {error}</source>
        <translation>llama.cpp 已加载 {name}，但无法运行它：{error}</translation>
    </message>
    <message>
        <source>llama.cpp could not load {name}: {detail}</source>
        <translation>llama.cpp 无法加载 {name}：{detail}</translation>
    </message>
    <message>
        <source>llama.cpp stopped with an error: {error}</source>
        <translation>llama.cpp 因错误而停止：{error}</translation>
    </message>
    <message>
        <source>This prompt needs {needed} tokens with room for the reply, more than the model&apos;s context of {n_ctx}. Shorten it, or raise the context length in the model settings.</source>
        <translation>此提示加上回复所需空间共需 {needed} 个词元，超过了模型的上下文长度 {n_ctx}。请缩短提示，或在模型设置中调大上下文长度。</translation>
    </message>
    <message>
        <source>No model is loaded. Choose a model first.</source>
        <translation>尚未加载模型。请先选择一个模型。</translation>
    </message>
    <message>
        <source>The engine refused the request.</source>
        <translation>引擎拒绝了该请求。</translation>
    </message>
    <message>
        <source>The engine failed unexpectedly ({kind}: {error}).</source>
        <translation>引擎意外出错（{kind}：{error}）。</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <source>No conversation was chosen to export.</source>
        <translation>没有选择要导出的对话。</translation>
    </message>
    <message>
        <source>Could not create the folder {path} ({problem}).</source>
        <translation>无法创建文件夹 {path}（{problem}）。</translation>
    </message>
    <message>
        <source>{path} is a folder; choose a file name to export to.</source>
        <translation>{path} 是一个文件夹；请选择要导出到的文件名。</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist; nothing was written.</source>
        <translation>文件夹 {folder} 不存在；没有写入任何内容。</translation>
    </message>
    <message>
        <source>Could not create a temporary file in {folder}; nothing was written.</source>
        <translation>无法在 {folder} 中创建临时文件；没有写入任何内容。</translation>
    </message>
    <message>
        <source>There is not enough space to write {path} (the disk or your quota is full); nothing was written.</source>
        <translation>没有足够的空间写入 {path}（磁盘或你的配额已满）；没有写入任何内容。</translation>
    </message>
    <message>
        <source>You are not allowed to write {path}; nothing was written.</source>
        <translation>你没有写入 {path} 的权限；没有写入任何内容。</translation>
    </message>
    <message>
        <source>Could not write {path} ({reason}); nothing was written.</source>
        <translation>无法写入 {path}（{reason}）；没有写入任何内容。</translation>
    </message>
    <message>
        <source>PDF export needs the window&apos;s Qt libraries, which are not available here; export as md, html, json or txt instead.</source>
        <translation>导出 PDF 需要窗口使用的 Qt 库，而此处无法使用；请改为导出 md、html、json 或 txt 格式。</translation>
    </message>
    <message>
        <source>{format} is not a text format; it cannot be shown as text.</source>
        <translation>{format} 不是文本格式，无法以文本形式显示。</translation>
    </message>
    <message>
        <source>There is no export format {format}; choose one of {known}.</source>
        <translation>没有 {format} 这种导出格式；请从 {known} 中选择一种。</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export conversations</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Filter by title</source>
        <translation>按标题筛选</translation>
    </message>
    <message>
        <source>Select all</source>
        <translation>全选</translation>
    </message>
    <message>
        <source>Select none</source>
        <translation>全不选</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Conversations to export:</source>
        <translation>要导出的对话：</translation>
    </message>
    <message>
        <source>Format:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <source>Into the folder:</source>
        <translation>导出到文件夹：</translation>
    </message>
    <message>
        <source>Tick at least one conversation to export.</source>
        <translation>请至少勾选一个要导出的对话。</translation>
    </message>
    <message>
        <source>Choose the folder to export into.</source>
        <translation>请选择导出到的文件夹。</translation>
    </message>
    <message>
        <source>{0} is a file, not a folder.</source>
        <translation>{0} 是文件，不是文件夹。</translation>
    </message>
    <message>
        <source>{0} of {1} chosen</source>
        <translation>已选 {0} / {1}</translation>
    </message>
    <message>
        <source>Export into the folder</source>
        <translation>导出到文件夹</translation>
    </message>
</context>
<context>
    <name>GenerationDialog</name>
    <message>
        <source>Generation settings</source>
        <translation>生成设置</translation>
    </message>
    <message>
        <source>No system prompt</source>
        <translation>无系统提示词</translation>
    </message>
    <message>
        <source>Instructions the model reads before the conversation, in every turn.</source>
        <translation>模型在每一轮对话之前都会读到的指示。</translation>
    </message>
    <message>
        <source>Use these settings for new chats too</source>
        <translation>新对话也使用这些设置</translation>
    </message>
    <message>
        <source>System prompt:</source>
        <translation>系统提示词：</translation>
    </message>
    <message>
        <source>Fills every sampling field below; “Custom” once you change one of them.</source>
        <translation>填入下面所有的采样参数；修改任何一项后变为“自定义”。</translation>
    </message>
    <message>
        <source>Save as preset…</source>
        <translation>另存为预设…</translation>
    </message>
    <message>
        <source>Delete preset</source>
        <translation>删除预设</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <source>Name of the new preset</source>
        <translation>新预设的名称</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Preset name:</source>
        <translation>预设名称：</translation>
    </message>
    <message>
        <source>How adventurous the choice of each word is: 0 always takes the most likely one (the same answer every time), higher values give more varied text.</source>
        <translation>选词时有多大胆：0 总是选择最可能的词（每次答案相同），数值越高，文字越多样。</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Only the k most likely next tokens are considered; Off considers them all.</source>
        <translation>只考虑最可能的 k 个候选 token；“关闭”表示考虑全部。</translation>
    </message>
    <message>
        <source>Only the most likely tokens whose probabilities add up to this share are considered; 1 turns it off.</source>
        <translation>只考虑概率之和达到该比例的最可能的 token；1 表示关闭。</translation>
    </message>
    <message>
        <source>Tokens less likely than this fraction of the most likely token&apos;s probability are left out; 0 turns it off.</source>
        <translation>概率低于最可能 token 概率的该比例的 token 会被排除；0 表示关闭。</translation>
    </message>
    <message>
        <source>Keeps the tokens whose surprise is closest to the average (locally typical sampling); 1 turns it off.</source>
        <translation>保留“意外程度”最接近平均值的 token（局部典型采样）；1 表示关闭。</translation>
    </message>
    <message>
        <source>Makes tokens that already appeared recently less likely, against loops; 1 turns it off.</source>
        <translation>降低最近出现过的 token 的概率，防止循环重复；1 表示关闭。</translation>
    </message>
    <message>
        <source>Lowers every token that already appeared by the same amount, nudging the model towards new topics; 0 turns it off.</source>
        <translation>对每个已出现过的 token 降低相同的幅度，促使模型转向新话题；0 表示关闭。</translation>
    </message>
    <message>
        <source>Lowers tokens in proportion to how often they already appeared, against repeated words; 0 turns it off.</source>
        <translation>按 token 已出现的次数成比例地降低其概率，减少重复用词；0 表示关闭。</translation>
    </message>
    <message>
        <source>Mirostat steers the text towards a steady level of surprise and replaces top-k, top-p, min-p and typical-p while it is on.</source>
        <translation>Mirostat 会把文本的“意外程度”稳定在目标水平；开启时将取代 top-k、top-p、min-p 和 typical-p。</translation>
    </message>
    <message>
        <source>Mirostat&apos;s target surprise: lower is more focused and coherent, higher more diverse.</source>
        <translation>Mirostat 的目标意外程度：越低越集中连贯，越高越多样。</translation>
    </message>
    <message>
        <source>How fast Mirostat corrects itself towards its target: higher reacts faster.</source>
        <translation>Mirostat 向目标修正的速度：越高反应越快。</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>The same seed with the same settings and question gives the same reply; blank picks a new random one each time.</source>
        <translation>相同的种子、设置和问题会得到相同的回复；留空则每次随机选取新的种子。</translation>
    </message>
    <message>
        <source>Until the context is full</source>
        <translation>直到上下文用满</translation>
    </message>
    <message>
        <source>The longest reply, in tokens; blank lets the reply go on until the model ends it or the context is full.</source>
        <translation>回复的最大长度（token 数）；留空则一直生成，直到模型自行结束或上下文用满。</translation>
    </message>
    <message>
        <source>One per line</source>
        <translation>每行一个</translation>
    </message>
    <message>
        <source>The reply ends as soon as the model writes one of these texts (one per line), besides the model&apos;s own end of turn.</source>
        <translation>除了模型自身的回合结束标记外，模型一写出这些文本（每行一个）之一，回复就会结束。</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <source>Top-k:</source>
        <translation>Top-k：</translation>
    </message>
    <message>
        <source>Top-p:</source>
        <translation>Top-p：</translation>
    </message>
    <message>
        <source>Min-p:</source>
        <translation>Min-p：</translation>
    </message>
    <message>
        <source>Typical-p:</source>
        <translation>Typical-p：</translation>
    </message>
    <message>
        <source>Repetition</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>Repeat penalty:</source>
        <translation>重复惩罚：</translation>
    </message>
    <message>
        <source>Presence penalty:</source>
        <translation>存在惩罚：</translation>
    </message>
    <message>
        <source>Frequency penalty:</source>
        <translation>频率惩罚：</translation>
    </message>
    <message>
        <source>Mirostat</source>
        <translation>Mirostat</translation>
    </message>
    <message>
        <source>Mode:</source>
        <translation>模式：</translation>
    </message>
    <message>
        <source>Target (tau):</source>
        <translation>目标 (tau)：</translation>
    </message>
    <message>
        <source>Learning rate (eta):</source>
        <translation>学习率 (eta)：</translation>
    </message>
    <message>
        <source>Length and stopping</source>
        <translation>长度与停止</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <source>Maximum tokens:</source>
        <translation>最大 token 数：</translation>
    </message>
    <message>
        <source>Stop strings:</source>
        <translation>停止字符串：</translation>
    </message>
    <message>
        <source>Built-in preset</source>
        <translation>内置预设</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>Precise</source>
        <translation>精确</translation>
    </message>
    <message>
        <source>Balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <source>Creative</source>
        <translation>创意</translation>
    </message>
    <message>
        <source>Saving replaces your preset “{0}”.</source>
        <translation>保存将覆盖你的预设“{0}”。</translation>
    </message>
    <message>
        <source>The seed is a whole number from 0 to {0}, or blank for a random one.</source>
        <translation>随机种子应为 0 到 {0} 之间的整数，留空则随机。</translation>
    </message>
    <message>
        <source>The maximum number of tokens is a whole number from 1 to {0}, or blank.</source>
        <translation>最大 token 数应为 1 到 {0} 之间的整数，或留空。</translation>
    </message>
</context>
<context>
    <name>Hub</name>
    <message>
        <source>The server at {endpoint} does not answer like a Hugging Face Hub: check the endpoint in Settings.</source>
        <translation>{endpoint} 上的服务器的响应不像 Hugging Face Hub：请在设置中检查端点地址。</translation>
    </message>
    <message>
        <source>The Hub did not say which commit {repo} is at: try again.</source>
        <translation>Hub 没有告知 {repo} 当前所在的提交：请重试。</translation>
    </message>
    <message>
        <source>HF_HUB_OFFLINE is set, so desktop-llm does not reach the Hugging Face Hub: models already on this computer work as usual. Unset HF_HUB_OFFLINE to search and download models.</source>
        <translation>已设置 HF_HUB_OFFLINE，因此 desktop-llm 不会连接 Hugging Face Hub：本机已有的模型照常可用。取消 HF_HUB_OFFLINE 即可搜索和下载模型。</translation>
    </message>
    <message>
        <source>The repository</source>
        <translation>该仓库</translation>
    </message>
    <message>
        <source>{repo} is gated and your Hugging Face token has no access to it yet: accept its terms on {page}, then try again.</source>
        <translation>{repo} 需要授权，而你的 Hugging Face 访问令牌尚无权访问：请在 {page} 上接受其条款，然后重试。</translation>
    </message>
    <message>
        <source>{repo} is gated: accept its terms on the Hub and add a Hugging Face token in Settings.</source>
        <translation>{repo} 需要授权：请在 Hub 上接受其条款，并在设置中添加 Hugging Face 访问令牌。</translation>
    </message>
    <message>
        <source>{repo} was not found on the Hub at {endpoint}: check the name.</source>
        <translation>在 {endpoint} 的 Hub 上找不到 {repo}：请检查名称。</translation>
    </message>
    <message>
        <source>{repo} was not found on the Hub at {endpoint}: check the name. If it is private, add a Hugging Face token in Settings.</source>
        <translation>在 {endpoint} 的 Hub 上找不到 {repo}：请检查名称。如果它是私有仓库，请在设置中添加 Hugging Face 访问令牌。</translation>
    </message>
    <message>
        <source>{repo} has no branch, tag or commit named {revision}.</source>
        <translation>{repo} 没有名为 {revision} 的分支、标签或提交。</translation>
    </message>
    <message>
        <source>{repo} has no file {path} (at {revision}).</source>
        <translation>{repo} 中没有文件 {path}（版本 {revision}）。</translation>
    </message>
    <message>
        <source>The Hub is switched off by the HF_HUB_OFFLINE environment variable: unset it to search and download models.</source>
        <translation>环境变量 HF_HUB_OFFLINE 关闭了 Hub 访问：取消该变量即可搜索和下载模型。</translation>
    </message>
    <message>
        <source>{repo} is not a repository name: it looks like &apos;owner/name&apos;.</source>
        <translation>{repo} 不是仓库名称：仓库名称的格式是 &apos;owner/name&apos;。</translation>
    </message>
    <message>
        <source>The Hub at {endpoint} did not answer in time: check the connection or the endpoint in Settings.</source>
        <translation>{endpoint} 的 Hub 没有及时响应：请检查网络连接，或在设置中检查端点地址。</translation>
    </message>
    <message>
        <source>Can&apos;t reach the Hub at {endpoint}: check the connection or the endpoint in Settings.</source>
        <translation>无法连接 {endpoint} 的 Hub：请检查网络连接，或在设置中检查端点地址。</translation>
    </message>
    <message>
        <source>The Hub refused the Hugging Face token in Settings: check it, or create a new one.</source>
        <translation>Hub 拒绝了设置中的 Hugging Face 访问令牌：请检查它，或创建一个新的令牌。</translation>
    </message>
    <message>
        <source>Your Hugging Face token is not allowed to read this repository: give it read access, or use another token in Settings.</source>
        <translation>你的 Hugging Face 访问令牌无权读取此仓库：请为它授予读取权限，或在设置中使用其他令牌。</translation>
    </message>
    <message>
        <source>The Hub is limiting requests right now: try again in a few minutes.</source>
        <translation>Hub 目前正在限制请求频率：请几分钟后再试。</translation>
    </message>
    <message>
        <source>The Hub at {endpoint} has a problem (error {status}): try again later.</source>
        <translation>{endpoint} 的 Hub 出现问题（错误 {status}）：请稍后重试。</translation>
    </message>
    <message>
        <source>The Hub at {endpoint} refused the request (error {status}).</source>
        <translation>{endpoint} 的 Hub 拒绝了请求（错误 {status}）。</translation>
    </message>
    <message>
        <source>the operating system refused the operation</source>
        <translation>操作系统拒绝了该操作</translation>
    </message>
    <message>
        <source>The header of {name} on the Hub is cut short: it can&apos;t be read.</source>
        <translation>Hub 上 {name} 的文件头不完整：无法读取。</translation>
    </message>
    <message>
        <source>The header of {name} is too large to be a GGUF model&apos;s header.</source>
        <translation>{name} 的文件头过大，不可能是 GGUF 模型的文件头。</translation>
    </message>
    <message>
        <source>The Hub stopped sending {name} before its header was complete.</source>
        <translation>Hub 在 {name} 的文件头传完之前就停止了发送。</translation>
    </message>
    <message>
        <source>The Hub sent another part of the file than asked: try again.</source>
        <translation>Hub 发送的文件片段与请求的不同：请重试。</translation>
    </message>
    <message>
        <source>No system keyring is available: the token is kept only until the app quits.</source>
        <translation>没有可用的系统密钥环：令牌只会保留到应用退出。</translation>
    </message>
    <message>
        <source>The token is kept in the system keyring ({keyring}).</source>
        <translation>令牌保存在系统密钥环中（{keyring}）。</translation>
    </message>
</context>
<context>
    <name>HubSettingsTab</name>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>hf_… (only for gated or private models)</source>
        <translation>hf_…（仅用于需授权或私有的模型）</translation>
    </message>
    <message>
        <source>Forget token</source>
        <translation>删除令牌</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Models folder:</source>
        <translation>模型文件夹：</translation>
    </message>
    <message>
        <source>Hub endpoint:</source>
        <translation>Hub 端点：</translation>
    </message>
    <message>
        <source>Hugging Face token:</source>
        <translation>Hugging Face 访问令牌：</translation>
    </message>
    <message>
        <source>Saved. </source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Models folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>chosen here</source>
        <translation>在此处设置</translation>
    </message>
    <message>
        <source>from the HF_ENDPOINT variable</source>
        <translation>来自环境变量 HF_ENDPOINT</translation>
    </message>
    <message>
        <source>the default</source>
        <translation>默认值</translation>
    </message>
    <message>
        <source>the one saved here</source>
        <translation>在此处保存的令牌</translation>
    </message>
    <message>
        <source>from the HF_TOKEN variable</source>
        <translation>来自环境变量 HF_TOKEN</translation>
    </message>
    <message>
        <source>the one saved by `hf auth login`</source>
        <translation>由 `hf auth login` 保存的令牌</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Endpoint in use: {0} ({1}).</source>
        <translation>当前端点：{0}（{1}）。</translation>
    </message>
    <message>
        <source>Token in use: {0}.</source>
        <translation>当前令牌：{0}。</translation>
    </message>
    <message>
        <source>HF_HUB_OFFLINE is set: the Hub is not contacted.</source>
        <translation>已设置 HF_HUB_OFFLINE：不会连接 Hub。</translation>
    </message>
</context>
<context>
    <name>Import</name>
    <message>
        <source>its creation time</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>its last activity time</source>
        <translation>最后活动时间</translation>
    </message>
    <message>
        <source>{label} has a system prompt that is not text.</source>
        <translation>{label} 的系统提示词不是文本。</translation>
    </message>
    <message>
        <source>{label} names its model with something other than text.</source>
        <translation>{label} 的模型名称不是文本。</translation>
    </message>
    <message>
        <source>{label} has settings that cannot be stored: {problem}.</source>
        <translation>{label} 的设置无法保存：{problem}。</translation>
    </message>
    <message>
        <source>{label}, message {key},</source>
        <translation>{label} 中的消息 {key}</translation>
    </message>
    <message>
        <source>{label} shows message {key}, which it does not hold.</source>
        <translation>{label} 显示的消息 {key} 并不在其中。</translation>
    </message>
    <message>
        <source>A conversation has a title that is not text.</source>
        <translation>有一个对话的标题不是文本。</translation>
    </message>
    <message>
        <source>Conversation {title}</source>
        <translation>对话 {title}</translation>
    </message>
    <message>
        <source>{label} has no time zone (or no time at all) on {what}.</source>
        <translation>{label} 的{what}没有时区（或根本没有时间）。</translation>
    </message>
    <message>
        <source>{label} names a message with something other than text.</source>
        <translation>{label} 中有一条消息的名称不是文本。</translation>
    </message>
    <message>
        <source>{label} holds two messages named {key}.</source>
        <translation>{label} 中有两条消息都叫 {key}。</translation>
    </message>
    <message>
        <source>{where} has the role {role}; only {roles} can be stored.</source>
        <translation>{where} 的角色是 {role}；只能保存 {roles}。</translation>
    </message>
    <message>
        <source>{where} follows {parent}, which is not listed before it.</source>
        <translation>{where} 接在 {parent} 之后，但该消息并没有列在它前面。</translation>
    </message>
    <message>
        <source>{where} starts its context at {start}, which is not listed before it.</source>
        <translation>{where} 的上下文从 {start} 开始，但该消息并没有列在它前面。</translation>
    </message>
    <message>
        <source>{where} finished as {reason}; only {reasons} are known.</source>
        <translation>{where} 的结束方式是 {reason}；已知的只有 {reasons}。</translation>
    </message>
    <message>
        <source>{where} is a reply with no finish reason.</source>
        <translation>{where} 是一条没有结束原因的回复。</translation>
    </message>
    <message>
        <source>{where} has {name} that is not text.</source>
        <translation>{where} 的 {name} 不是文本。</translation>
    </message>
    <message>
        <source>{where} has a {name} that is not text.</source>
        <translation>{where} 的 {name} 不是文本。</translation>
    </message>
    <message>
        <source>its time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>{where} has {name} {value}, not a whole number &gt;= 0.</source>
        <translation>{where} 的 {name} 为 {value}，不是大于等于 0 的整数。</translation>
    </message>
    <message>
        <source>{where} has {name} {value}, not a number &gt;= 0.</source>
        <translation>{where} 的 {name} 为 {value}，不是大于等于 0 的数字。</translation>
    </message>
    <message>
        <source>a ChatGPT conversation</source>
        <translation>ChatGPT 对话</translation>
    </message>
    <message>
        <source>{where}, node {node}</source>
        <translation>{where} 的节点 {node}</translation>
    </message>
    <message>
        <source>its message tree has a cycle (node {node} is its own ancestor)</source>
        <translation>它的消息树中有循环（节点 {node} 是它自己的祖先）</translation>
    </message>
    <message>
        <source>a message node</source>
        <translation>消息节点</translation>
    </message>
    <message>
        <source>{where}, part {number}</source>
        <translation>{where} 的第 {number} 部分</translation>
    </message>
    <message>
        <source>{where}, thought {number}</source>
        <translation>{where} 的第 {number} 段思考</translation>
    </message>
    <message>
        <source>desktop-llm conversation</source>
        <translation>desktop-llm 对话</translation>
    </message>
    <message>
        <source>desktop-llm backup</source>
        <translation>desktop-llm 备份</translation>
    </message>
    <message>
        <source>OpenAI messages</source>
        <translation>OpenAI 消息</translation>
    </message>
    <message>
        <source>ChatGPT export</source>
        <translation>ChatGPT 导出数据</translation>
    </message>
    <message>
        <source>Imported 1 conversation from {file} ({kind})</source>
        <translation>已从 {file}（{kind}）导入 1 个对话</translation>
    </message>
    <message>
        <source>Imported {count} conversations from {file} ({kind})</source>
        <translation>已从 {file}（{kind}）导入 {count} 个对话</translation>
    </message>
    <message>
        <source>Imported 1 conversation ({kind})</source>
        <translation>已导入 1 个对话（{kind}）</translation>
    </message>
    <message>
        <source>Imported {count} conversations ({kind})</source>
        <translation>已导入 {count} 个对话（{kind}）</translation>
    </message>
    <message>
        <source>1 image or other non-text part skipped</source>
        <translation>跳过了 1 个图片或其他非文本部分</translation>
    </message>
    <message>
        <source>{count} images and other non-text parts skipped</source>
        <translation>跳过了 {count} 个图片和其他非文本部分</translation>
    </message>
    <message>
        <source>1 tool or other message skipped</source>
        <translation>跳过了 1 条工具消息或其他消息</translation>
    </message>
    <message>
        <source>{count} tool and other messages skipped</source>
        <translation>跳过了 {count} 条工具消息和其他消息</translation>
    </message>
    <message>
        <source>{imported}.</source>
        <translation>{imported}。</translation>
    </message>
    <message>
        <source>{imported}; {skipped}.</source>
        <translation>{imported}；{skipped}。</translation>
    </message>
    <message>
        <source>{imported}; {skipped}; {also_skipped}.</source>
        <translation>{imported}；{skipped}；{also_skipped}。</translation>
    </message>
    <message>
        <source>{name} holds more than {limit} conversations; split it to import it.</source>
        <translation>{name} 包含超过 {limit} 个对话；请将其拆分后再导入。</translation>
    </message>
    <message>
        <source>{name} holds no conversations.</source>
        <translation>{name} 中没有对话。</translation>
    </message>
    <message>
        <source>{path} does not exist.</source>
        <translation>{path} 不存在。</translation>
    </message>
    <message>
        <source>{path} is a folder; choose a file to import.</source>
        <translation>{path} 是一个文件夹；请选择要导入的文件。</translation>
    </message>
    <message>
        <source>{path} is not a regular file.</source>
        <translation>{path} 不是普通文件。</translation>
    </message>
    <message>
        <source>{name} is empty.</source>
        <translation>{name} 是空的。</translation>
    </message>
    <message>
        <source>{where} could not be read: {problem}.</source>
        <translation>无法读取 {where}：{problem}。</translation>
    </message>
    <message>
        <source>{file}, conversation {number}</source>
        <translation>{file} 的第 {number} 个对话</translation>
    </message>
    <message>
        <source>{name} is not a file desktop-llm can import: it is neither JSON nor a zip.</source>
        <translation>{name} 不是 desktop-llm 能导入的文件：它既不是 JSON 也不是 zip。</translation>
    </message>
    <message>
        <source>{name} is the manifest of a desktop-llm backup; import the backup&apos;s zip file.</source>
        <translation>{name} 是 desktop-llm 备份的清单文件；请导入该备份的 zip 文件。</translation>
    </message>
    <message>
        <source>{name} is a desktop-llm file of a kind this version does not know ({kind}); a newer desktop-llm may import it.</source>
        <translation>{name} 是此版本不认识的一种 desktop-llm 文件（{kind}）；更新版本的 desktop-llm 或许可以导入它。</translation>
    </message>
    <message>
        <source>{name} is JSON but not a conversation format desktop-llm knows (its own JSON or backup, OpenAI-style &quot;messages&quot;, or a ChatGPT export).</source>
        <translation>{name} 是 JSON，但不是 desktop-llm 认识的对话格式（它自己的 JSON 或备份、OpenAI 风格的 &quot;messages&quot;，或 ChatGPT 导出数据）。</translation>
    </message>
    <message>
        <source>{where} is not in the format of the ones before it ({kind}).</source>
        <translation>{where} 与前面的对话格式（{kind}）不同。</translation>
    </message>
    <message>
        <source>{name} holds a conversation of more than {size} MiB of JSON, larger than any chat; it was not imported.</source>
        <translation>{name} 中有一个对话的 JSON 超过 {size} MiB，比任何聊天都大；没有导入它。</translation>
    </message>
    <message>
        <source>{where} is not a ChatGPT conversation.</source>
        <translation>{where} 不是 ChatGPT 对话。</translation>
    </message>
    <message>
        <source>{name} is a zip file but neither a desktop-llm backup nor a ChatGPT data export (no manifest.json or conversations.json in it).</source>
        <translation>{name} 是 zip 文件，但既不是 desktop-llm 备份，也不是 ChatGPT 数据导出（其中没有 manifest.json 或 conversations.json）。</translation>
    </message>
    <message>
        <source>a backup manifest</source>
        <translation>备份清单</translation>
    </message>
    <message>
        <source>{source} is not the manifest of a desktop-llm backup.</source>
        <translation>{source} 不是 desktop-llm 备份的清单。</translation>
    </message>
    <message>
        <source>backup format</source>
        <translation>备份格式</translation>
    </message>
    <message>
        <source>{name} is incomplete or altered: its manifest lists {expected} conversations and it holds {found}.</source>
        <translation>{name} 不完整或已被改动：其清单列出了 {expected} 个对话，实际包含 {found} 个。</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true 或 false</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>a list</source>
        <translation>列表</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>{where}: {problem}.</source>
        <translation>{where}：{problem}。</translation>
    </message>
    <message>
        <source>it holds {count} messages, more than the {limit} allowed in one conversation</source>
        <translation>它包含 {count} 条消息，超过了单个对话允许的 {limit} 条</translation>
    </message>
    <message>
        <source>expected {what}, found {kind}</source>
        <translation>应为{what}，实际为{kind}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; is missing</source>
        <translation>缺少 &quot;{name}&quot;</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; must be {wanted}, not {kind}</source>
        <translation>&quot;{name}&quot; 必须是{wanted}，而不是{kind}</translation>
    </message>
    <message>
        <source>text or null</source>
        <translation>文本或 null</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; must be a whole number of at least {minimum} or null, not {value}</source>
        <translation>&quot;{name}&quot; 必须是不小于 {minimum} 的整数或 null，而不是 {value}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; must be a whole number of at least {minimum}, not {value}</source>
        <translation>&quot;{name}&quot; 必须是不小于 {minimum} 的整数，而不是 {value}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; must be a number of at least 0 or null, not {value}</source>
        <translation>&quot;{name}&quot; 必须是不小于 0 的数字或 null，而不是 {value}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; must be a number of at least 0, not {value}</source>
        <translation>&quot;{name}&quot; 必须是不小于 0 的数字，而不是 {value}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; must be one of {known}, not {value}</source>
        <translation>&quot;{name}&quot; 必须是 {known} 之一，而不是 {value}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; is not an ISO 8601 time: {text}</source>
        <translation>&quot;{name}&quot; 不是 ISO 8601 时间：{text}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; has no offset from UTC: {text}</source>
        <translation>&quot;{name}&quot; 没有相对 UTC 的时差：{text}</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; is a time after the year 9999: {seconds}</source>
        <translation>&quot;{name}&quot; 是 9999 年之后的时间：{seconds}</translation>
    </message>
    <message>
        <source>is larger than any generation settings</source>
        <translation>比任何生成设置都大</translation>
    </message>
    <message>
        <source>&quot;{name}&quot; is {length} characters long, more than the {limit} allowed</source>
        <translation>&quot;{name}&quot; 长 {length} 个字符，超过了允许的 {limit} 个</translation>
    </message>
    <message>
        <source>nests more than {depth} levels deep</source>
        <translation>嵌套超过 {depth} 层</translation>
    </message>
    <message>
        <source>&quot;version&quot; must be a whole number, not {kind}</source>
        <translation>&quot;version&quot; 必须是整数，而不是{kind}</translation>
    </message>
    <message>
        <source>{where} was written by a newer desktop-llm ({what} version {version}; this one reads up to version {known}). Update desktop-llm to import it.</source>
        <translation>{where} 由更新版本的 desktop-llm 写入（{what}版本 {version}；此版本最多只能读取版本 {known}）。请更新 desktop-llm 后再导入。</translation>
    </message>
    <message>
        <source>{where} has an unknown {what} version, {version}; {name} versions start at 1.</source>
        <translation>{where} 的{what}版本 {version} 未知；{name} 的版本从 1 开始。</translation>
    </message>
    <message>
        <source>a desktop-llm conversation document</source>
        <translation>desktop-llm 对话文档</translation>
    </message>
    <message>
        <source>it is not a desktop-llm conversation (&quot;format&quot; is not {format})</source>
        <translation>它不是 desktop-llm 对话（&quot;format&quot; 不是 {format}）</translation>
    </message>
    <message>
        <source>conversation format</source>
        <translation>对话格式</translation>
    </message>
    <message>
        <source>{where}, message {number}</source>
        <translation>{where} 的第 {number} 条消息</translation>
    </message>
    <message>
        <source>two messages have the id {id}</source>
        <translation>有两条消息的 id 都是 {id}</translation>
    </message>
    <message>
        <source>message {id} is its own parent</source>
        <translation>消息 {id} 是它自己的父消息</translation>
    </message>
    <message>
        <source>message {id} follows message {parent}, which the file does not hold</source>
        <translation>消息 {id} 接在消息 {parent} 之后，但文件中没有该消息</translation>
    </message>
    <message>
        <source>message {id} starts its context at message {start}, which the file does not hold</source>
        <translation>消息 {id} 的上下文从消息 {start} 开始，但文件中没有该消息</translation>
    </message>
    <message>
        <source>message {id} is its own ancestor (the tree has a cycle)</source>
        <translation>消息 {id} 是它自己的祖先（消息树中有循环）</translation>
    </message>
    <message>
        <source>the message shown ({id}) is not among the file&apos;s messages</source>
        <translation>显示的消息（{id}）不在文件的消息中</translation>
    </message>
    <message>
        <source>it holds {name}, which is not a JSON number</source>
        <translation>它包含 {name}，这不是 JSON 数字</translation>
    </message>
    <message>
        <source>it holds the number {number}, too large for any time or count</source>
        <translation>它包含数字 {number}，对于任何时间或计数来说都太大了</translation>
    </message>
    <message>
        <source>it holds a whole number {digits} digits long</source>
        <translation>它包含一个长达 {digits} 位的整数</translation>
    </message>
    <message>
        <source>{source} nests lists or objects too deeply to be a conversation file.</source>
        <translation>{source} 中列表或对象的嵌套太深，不可能是对话文件。</translation>
    </message>
    <message>
        <source>{source} is not a file desktop-llm can import: {reason}.</source>
        <translation>{source} 不是 desktop-llm 能导入的文件：{reason}。</translation>
    </message>
    <message>
        <source>{source} does not hold a JSON list here.</source>
        <translation>{source} 此处不是 JSON 列表。</translation>
    </message>
    <message>
        <source>{source} is not valid JSON: expected &apos;,&apos; or &apos;]&apos; at character {at}.</source>
        <translation>{source} 不是有效的 JSON：第 {at} 个字符处应为 &apos;,&apos; 或 &apos;]&apos;。</translation>
    </message>
    <message>
        <source>{source} is not valid JSON: more data follows its value (at character {at}).</source>
        <translation>{source} 不是有效的 JSON：值之后还有多余的数据（第 {at} 个字符处）。</translation>
    </message>
    <message>
        <source>{source} is larger than {size} of JSON, more than any chat history; it was not imported.</source>
        <translation>{source} 的 JSON 超过 {size}，比任何聊天记录都大；没有导入它。</translation>
    </message>
    <message>
        <source>{source} is not UTF-8 text (a binary file?), so it is not JSON.</source>
        <translation>{source} 不是 UTF-8 文本（是二进制文件吗？），因此不是 JSON。</translation>
    </message>
    <message>
        <source>{source} is cut off: its JSON ends in the middle (an interrupted download or copy?).</source>
        <translation>{source} 不完整：它的 JSON 在中途结束（下载或复制被中断了吗？）。</translation>
    </message>
    <message>
        <source>{source} is not valid JSON: {problem} at character {at}.</source>
        <translation>{source} 不是有效的 JSON：{problem}（第 {at} 个字符处）。</translation>
    </message>
    <message>
        <source>{source} holds a JSON value of more than {size}, larger than any conversation; it was not imported.</source>
        <translation>{source} 中有一个超过 {size} 的 JSON 值，比任何对话都大；没有导入它。</translation>
    </message>
    <message>
        <source>{count} bytes</source>
        <translation>{count} 字节</translation>
    </message>
    <message>
        <source>an object with &quot;messages&quot;</source>
        <translation>带有 &quot;messages&quot; 的对象</translation>
    </message>
    <message>
        <source>{where}, content part {number}</source>
        <translation>{where} 的第 {number} 个内容部分</translation>
    </message>
    <message>
        <source>There is no room to read this file in the temporary folder ({problem}); nothing was imported.</source>
        <translation>临时文件夹中没有足够的空间读取此文件（{problem}）；没有导入任何内容。</translation>
    </message>
    <message>
        <source>{where} is encrypted; desktop-llm cannot read it.</source>
        <translation>{where} 已加密；desktop-llm 无法读取。</translation>
    </message>
    <message>
        <source>{where} says it unpacks to {size} bytes, more than the {limit} an import may read.</source>
        <translation>{where} 声称解压后有 {size} 字节，超过了导入允许读取的 {limit} 字节。</translation>
    </message>
    <message>
        <source>{where} takes the zip past {limit} unpacked bytes in all, more than any chat export; it was not imported (a zip bomb?).</source>
        <translation>{where} 使该 zip 解压后的总量超过 {limit} 字节，比任何聊天导出都大；没有导入它（是 zip 炸弹吗？）。</translation>
    </message>
    <message>
        <source>{where} unpacks to over {ratio} times its packed size, as zip bombs do; it was not imported.</source>
        <translation>{where} 解压后超过压缩大小的 {ratio} 倍，这正是 zip 炸弹的特征；没有导入它。</translation>
    </message>
    <message>
        <source>{source} holds two entries named {name}; one would hide the other, so it was not imported.</source>
        <translation>{source} 中有两个名为 {name} 的条目；其中一个会掩盖另一个，因此没有导入它。</translation>
    </message>
    <message>
        <source>{source} is damaged or cut off: the zip&apos;s table of contents at its end is missing.</source>
        <translation>{source} 已损坏或不完整：zip 末尾的目录缺失。</translation>
    </message>
    <message>
        <source>{source} has a table of contents of {size} bytes, more than the {limit} allowed; it was not imported.</source>
        <translation>{source} 的目录有 {size} 字节，超过了允许的 {limit} 字节；没有导入它。</translation>
    </message>
    <message>
        <source>its zip64 locator is missing</source>
        <translation>缺少 zip64 定位符</translation>
    </message>
    <message>
        <source>its zip64 end record is missing</source>
        <translation>缺少 zip64 结束记录</translation>
    </message>
    <message>
        <source>{source} holds an entry whose path leaves its folder ({name}); it was not imported.</source>
        <translation>{source} 中有一个条目的路径指向其文件夹之外（{name}）；没有导入它。</translation>
    </message>
    <message>
        <source>{source} lists {count} entries, more than the {limit} allowed; it was not imported.</source>
        <translation>{source} 列出了 {count} 个条目，超过了允许的 {limit} 个；没有导入它。</translation>
    </message>
    <message>
        <source>{where} is damaged or cut off ({reason}).</source>
        <translation>{where} 已损坏或不完整（{reason}）。</translation>
    </message>
</context>
<context>
    <name>InstalledTab</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Context</source>
        <translation>上下文</translation>
    </message>
    <message>
        <source>Chat template</source>
        <translation>聊天模板</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Import file…</source>
        <translation>导入文件…</translation>
    </message>
    <message>
        <source>Scan folder…</source>
        <translation>扫描文件夹…</translation>
    </message>
    <message>
        <source>Chat with it</source>
        <translation>用它聊天</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Convert…</source>
        <translation>转换…</translation>
    </message>
    <message>
        <source>Turn Hugging Face weights into GGUF and quantize them, with a quality table</source>
        <translation>将 Hugging Face 权重转换为 GGUF 并进行量化，附带质量对比表</translation>
    </message>
    <message>
        <source>Quantize…</source>
        <translation>量化…</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>有</translation>
    </message>
    <message>
        <source>no</source>
        <translation>无</translation>
    </message>
    <message>
        <source>bundled</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>converted</source>
        <translation>转换</translation>
    </message>
    <message>
        <source>Checking {0}…</source>
        <translation>正在检查 {0}…</translation>
    </message>
    <message>
        <source>Imported.</source>
        <translation>已导入。</translation>
    </message>
    <message>
        <source>Import a GGUF model</source>
        <translation>导入 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <source>Scan a folder for GGUF models</source>
        <translation>扫描文件夹中的 GGUF 模型</translation>
    </message>
    <message>
        <source>Delete {0}? Its file ({1}) is removed from disk.</source>
        <translation>删除 {0}？它的文件（{1}）将从磁盘上删除。</translation>
    </message>
    <message>
        <source>Remove {0} from the list? Its file ({1}) stays where it is.</source>
        <translation>从列表中移除 {0}？它的文件（{1}）会保留在原处。</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
</context>
<context>
    <name>LoadSettingsDialog</name>
    <message>
        <source>Model settings</source>
        <translation>模型设置</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> token</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>This build of llama.cpp has no GPU support: every layer runs on the CPU.</source>
        <translation>此版本的 llama.cpp 不支持 GPU：所有层都在 CPU 上运行。</translation>
    </message>
    <message>
        <source>Automatic ({0} physical cores)</source>
        <translation>自动（{0} 个物理核心）</translation>
    </message>
    <message>
        <source>Automatic (1 physical core)</source>
        <translation>自动（1 个物理核心）</translation>
    </message>
    <message>
        <source>Automatic uses one thread per physical core: {0} on this machine.</source>
        <translation>“自动”为每个物理核心使用一个线程：这台机器上是 {0} 个。</translation>
    </message>
    <message>
        <source>Automatic (on after a crash of the optimized kernels)</source>
        <translation>自动（优化内核崩溃后开启）</translation>
    </message>
    <message>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Flash attention</source>
        <translation>Flash Attention</translation>
    </message>
    <message>
        <source>Map the model file into memory (mmap)</source>
        <translation>将模型文件映射到内存 (mmap)</translation>
    </message>
    <message>
        <source>Context length:</source>
        <translation>上下文长度：</translation>
    </message>
    <message>
        <source>GPU layers:</source>
        <translation>GPU 层数：</translation>
    </message>
    <message>
        <source>CPU threads:</source>
        <translation>CPU 线程数：</translation>
    </message>
    <message>
        <source>Safe mode:</source>
        <translation>安全模式：</translation>
    </message>
    <message>
        <source>A longer context and more GPU layers need more memory.</source>
        <translation>上下文越长、GPU 层数越多，需要的内存就越多。</translation>
    </message>
    <message>
        <source>Safe mode is on: llama.cpp runs without its AMX and repacked-weight CPU kernels, a little slower. Why: {0}</source>
        <translation>安全模式已开启：llama.cpp 不使用 AMX 和重排权重的 CPU 内核，速度稍慢。原因：{0}</translation>
    </message>
    <message>
        <source>Safe mode is off: llama.cpp uses its fastest CPU kernels. If they crash on this CPU, the app turns safe mode on by itself (Automatic).</source>
        <translation>安全模式已关闭：llama.cpp 使用最快的 CPU 内核。如果它们在这颗 CPU 上崩溃，应用会自动开启安全模式（自动）。</translation>
    </message>
</context>
<context>
    <name>LocaleFormat</name>
    <message>
        <source>{0} bytes</source>
        <translation>{0} 字节</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Models…</source>
        <translation>模型…</translation>
    </message>
    <message>
        <source>Find, download and manage models</source>
        <translation>查找、下载和管理模型</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Context length, GPU layers and threads for loading the model</source>
        <translation>加载模型时的上下文长度、GPU 层数和线程数</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Editing your message: send it as a new version, or press Esc to cancel.</source>
        <translation>正在编辑你的消息：发送后会成为新版本，按 Esc 取消。</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Export conversation…</source>
        <translation>导出对话…</translation>
    </message>
    <message>
        <source>Export conversations…</source>
        <translation>导出多个对话…</translation>
    </message>
    <message>
        <source>Back up all conversations…</source>
        <translation>备份所有对话…</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Regenerate the last reply</source>
        <translation>重新生成最后一条回复</translation>
    </message>
    <message>
        <source>Edit my last message</source>
        <translation>编辑我的最后一条消息</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Generation settings…</source>
        <translation>生成设置…</translation>
    </message>
    <message>
        <source>Prompt templates…</source>
        <translation>提示词模板…</translation>
    </message>
    <message>
        <source>Model loading…</source>
        <translation>模型加载…</translation>
    </message>
    <message>
        <source>Remote servers…</source>
        <translation>远程服务器…</translation>
    </message>
    <message>
        <source>Refresh remote models</source>
        <translation>刷新远程模型</translation>
    </message>
    <message>
        <source>Preferences…</source>
        <translation>偏好设置…</translation>
    </message>
    <message>
        <source>Serve the loaded model</source>
        <translation>提供已加载模型的服务</translation>
    </message>
    <message>
        <source>Answer OpenAI API requests from other programs with the loaded model (who may connect: Settings &gt; API server settings)</source>
        <translation>用已加载的模型响应其他程序的 OpenAI API 请求（谁可以连接：设置 &gt; API 服务器设置）</translation>
    </message>
    <message>
        <source>Save API chats in the history</source>
        <translation>将 API 对话保存到历史记录</translation>
    </message>
    <message>
        <source>API server settings…</source>
        <translation>API 服务器设置…</translation>
    </message>
    <message>
        <source>About desktop-llm</source>
        <translation>关于 desktop-llm</translation>
    </message>
    <message>
        <source>Copy the address</source>
        <translation>复制地址</translation>
    </message>
    <message>
        <source>Open a conversation to export it.</source>
        <translation>请先打开一个对话再导出。</translation>
    </message>
    <message>
        <source>{0}: not available</source>
        <translation>{0}：不可用</translation>
    </message>
    <message>
        <source>No model is installed yet. Add a .gguf file to start.</source>
        <translation>还没有安装模型。添加一个 .gguf 文件即可开始。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Not loaded</source>
        <translation>未加载</translation>
    </message>
    <message>
        <source>Delete message</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <source>Delete this message and everything that follows it in this branch?</source>
        <translation>删除这条消息及此分支中它之后的所有内容？</translation>
    </message>
</context>
<context>
    <name>MessageInput</name>
    <message>
        <source>Ask anything… (Ctrl+Enter to send, Enter for a new line)</source>
        <translation>尽管问…（Ctrl+Enter 发送，Enter 换行）</translation>
    </message>
    <message>
        <source>Ask anything… (Enter to send, Shift+Enter for a new line)</source>
        <translation>尽管问…（Enter 发送，Shift+Enter 换行）</translation>
    </message>
</context>
<context>
    <name>ModelBrowser</name>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Discover</source>
        <translation>发现</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>This model needs a Hugging Face token: paste it here and press Save, then resume the download.</source>
        <translation>此模型需要 Hugging Face 访问令牌：请粘贴到这里并点击“保存”，然后继续下载。</translation>
    </message>
</context>
<context>
    <name>ModelFiles</name>
    <message>
        <source>The model file {path} does not exist (was it moved or deleted?).</source>
        <translation>模型文件 {path} 不存在（是否被移动或删除了？）。</translation>
    </message>
    <message>
        <source>{path} is a folder, not a model file.</source>
        <translation>{path} 是文件夹，不是模型文件。</translation>
    </message>
    <message>
        <source>{name} is damaged: {problem}</source>
        <translation>{name} 已损坏：{problem}</translation>
    </message>
    <message>
        <source>{name} is truncated: the file ends inside its header ({where}) after {size}; the download was probably cut off.</source>
        <translation>{name} 不完整：文件在 {size} 处结束，停在文件头内部（{where}）；下载可能被中断了。</translation>
    </message>
    <message>
        <source>{name} is not a GGUF model file (it starts with {start}, not b&apos;GGUF&apos;){hint}.</source>
        <translation>{name} 不是 GGUF 模型文件（它以 {start} 开头，而不是 b&apos;GGUF&apos;）{hint}。</translation>
    </message>
    <message>
        <source>{name} is only {size} bytes long: it is empty or was cut off.</source>
        <translation>{name} 只有 {size} 字节：文件为空或不完整。</translation>
    </message>
    <message>
        <source>{name} is 0 bytes long: it is empty or was cut off.</source>
        <translation>{name} 的大小为 0 字节：文件为空或不完整。</translation>
    </message>
    <message>
        <source>{name} uses version 1 of the GGUF format, an obsolete 2023 format that llama.cpp no longer reads; download a newer conversion of the model.</source>
        <translation>{name} 使用的是 GGUF 格式第 1 版，这是 2023 年的过时格式，llama.cpp 已不再支持；请下载该模型较新的转换版本。</translation>
    </message>
    <message>
        <source>{name} is a big-endian GGUF file (made for IBM mainframes); this computer needs the ordinary little-endian version.</source>
        <translation>{name} 是大端序的 GGUF 文件（用于 IBM 大型机）；这台电脑需要普通的小端序版本。</translation>
    </message>
    <message>
        <source>{name} uses GGUF format version {version}, which this version of llama.cpp cannot read (it knows versions 2 and 3).</source>
        <translation>{name} 使用的是 GGUF 格式第 {version} 版，此版本的 llama.cpp 无法读取（它支持第 2 版和第 3 版）。</translation>
    </message>
    <message>
        <source>The model file {name} cannot be read: {reason}.</source>
        <translation>无法读取模型文件 {name}：{reason}。</translation>
    </message>
    <message>
        <source>it is a web page; the download probably saved an error or login page</source>
        <translation>这是一个网页；下载时可能保存了错误页面或登录页面</translation>
    </message>
    <message>
        <source>it is an old GGML file from before GGUF (2023); convert it to GGUF first</source>
        <translation>这是 GGUF 出现之前（2023 年）的旧 GGML 文件；请先将其转换为 GGUF</translation>
    </message>
    <message>
        <source>it is a Git LFS pointer, not the model itself</source>
        <translation>这是 Git LFS 指针文件，而不是模型本身</translation>
    </message>
    <message>
        <source>it is a ZIP archive, perhaps a PyTorch checkpoint; convert it to GGUF first</source>
        <translation>这是 ZIP 压缩包，可能是 PyTorch 检查点；请先将其转换为 GGUF</translation>
    </message>
    <message>
        <source>it is a JSON file</source>
        <translation>这是 JSON 文件</translation>
    </message>
    <message>
        <source>it is a safetensors file; convert it to GGUF first</source>
        <translation>这是 safetensors 文件；请先将其转换为 GGUF</translation>
    </message>
    <message>
        <source>it starts with zero bytes, as an unfinished download does</source>
        <translation>它以零字节开头，就像未完成的下载那样</translation>
    </message>
    <message>
        <source>a vision projector (an mmproj file) that goes with a language model</source>
        <translation>与语言模型配套使用的视觉投影器（mmproj 文件）</translation>
    </message>
    <message>
        <source>its general.alignment is not a 32-bit number.</source>
        <translation>它的 general.alignment 不是 32 位数字。</translation>
    </message>
    <message>
        <source>its data alignment is {value}, which is not a power of two.</source>
        <translation>它的数据对齐值为 {value}，不是 2 的幂。</translation>
    </message>
    <message>
        <source>{name} does not say which model architecture it uses (general.architecture is missing), so llama.cpp cannot load it.</source>
        <translation>{name} 没有说明它使用的模型架构（缺少 general.architecture），因此 llama.cpp 无法加载它。</translation>
    </message>
    <message>
        <source>its general.architecture is not text.</source>
        <translation>它的 general.architecture 不是文本。</translation>
    </message>
    <message>
        <source>{name} is {what}, not a model that can chat.</source>
        <translation>{name} 是{what}，不是可以聊天的模型。</translation>
    </message>
    <message>
        <source>{name} uses the model architecture {architecture}, which this version of llama.cpp cannot run.</source>
        <translation>{name} 使用的模型架构 {architecture} 无法在此版本的 llama.cpp 上运行。</translation>
    </message>
    <message>
        <source>its {key} is not a whole number.</source>
        <translation>它的 {key} 不是整数。</translation>
    </message>
    <message>
        <source>it claims {count} layers; llama.cpp runs 1 to {most}.</source>
        <translation>它声称有 {count} 层；llama.cpp 只能运行 1 到 {most} 层。</translation>
    </message>
    <message>
        <source>it claims {count} experts; llama.cpp runs at most {most}.</source>
        <translation>它声称有 {count} 个专家；llama.cpp 最多支持 {most} 个。</translation>
    </message>
    <message>
        <source>it uses {used} of its {count} experts per token, which is impossible.</source>
        <translation>它每个 token 使用 {count} 个专家中的 {used} 个，这是不可能的。</translation>
    </message>
    <message>
        <source>{name} contains no weights (it may be a vocabulary-only file), so it cannot chat.</source>
        <translation>{name} 不包含权重（可能是只有词表的文件），因此无法聊天。</translation>
    </message>
    <message>
        <source>the tensor {tensor} would end {size} into the data, beyond any real model file.</source>
        <translation>张量 {tensor} 将结束于数据区的 {size} 处，超出了任何真实模型文件的大小。</translation>
    </message>
    <message>
        <source>the tensor {tensor} starts at offset {offset}, which is not a multiple of the file&apos;s alignment ({alignment}).</source>
        <translation>张量 {tensor} 从偏移量 {offset} 开始，不是文件对齐值（{alignment}）的整数倍。</translation>
    </message>
    <message>
        <source>the tensor {tensor} starts inside the tensor {previous}.</source>
        <translation>张量 {tensor} 的起点位于张量 {previous} 内部。</translation>
    </message>
    <message>
        <source>the tensor {tensor} starts at offset {offset}, not at {expected} right after the one before it, as llama.cpp requires.</source>
        <translation>张量 {tensor} 从偏移量 {offset} 开始，而不是按 llama.cpp 的要求紧接在前一个张量之后的 {expected}。</translation>
    </message>
    <message>
        <source>its tensors would end {size} into the file, beyond any real model.</source>
        <translation>它的张量将结束于文件的 {size} 处，超出了任何真实模型的大小。</translation>
    </message>
    <message>
        <source>{name} is truncated: {size} of {expected}; the download was probably cut off.</source>
        <translation>{name} 不完整：只有 {size}（应为 {expected}）；下载可能被中断了。</translation>
    </message>
</context>
<context>
    <name>ModelManager</name>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Fits</source>
        <translation>可以运行</translation>
    </message>
    <message>
        <source>Tight</source>
        <translation>内存紧张</translation>
    </message>
    <message>
        <source>Does not fit</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <source>{0} · {1} RAM</source>
        <translation>{0} · 内存 {1}</translation>
    </message>
    <message>
        <source> + {0} VRAM</source>
        <translation> + 显存 {0}</translation>
    </message>
    <message>
        <source>The model&apos;s header could not be read, so its memory need is unknown.</source>
        <translation>无法读取模型的文件头，因此内存需求未知。</translation>
    </message>
    <message>
        <source>At a context of {0} tokens:</source>
        <translation>上下文为 {0} token 时：</translation>
    </message>
    <message>
        <source>weights {0}, KV cache {1}, buffers {2}</source>
        <translation>权重 {0}，KV 缓存 {1}，缓冲区 {2}</translation>
    </message>
    <message>
        <source>RAM needed {0} of {1}</source>
        <translation>需要内存 {0}（共 {1}）</translation>
    </message>
    <message>
        <source>VRAM needed {0} of {1} ({2} GPU layers)</source>
        <translation>需要显存 {0}（共 {1}，{2} 个 GPU 层）</translation>
    </message>
</context>
<context>
    <name>Models</name>
    <message>
        <source>{path} is a folder: use a folder scan to add its models.</source>
        <translation>{path} 是文件夹：请用“扫描文件夹”添加其中的模型。</translation>
    </message>
    <message>
        <source>{name} is one part of a split model: import its first part (-00001-of-…).</source>
        <translation>{name} 是分卷模型的一部分：请导入它的第一个分卷（-00001-of-…）。</translation>
    </message>
    <message>
        <source>{folder} is not a folder.</source>
        <translation>{folder} 不是文件夹。</translation>
    </message>
    <message>
        <source>No installed model is called {name}.</source>
        <translation>没有名为 {name} 的已安装模型。</translation>
    </message>
    <message>
        <source>No model called {name} and no such file. Installed models: {names}.</source>
        <translation>没有名为 {name} 的模型，也没有这个文件。已安装的模型：{names}。</translation>
    </message>
    <message>
        <source>{name} is not an installed model: import it first.</source>
        <translation>{name} 不是已安装的模型：请先导入。</translation>
    </message>
</context>
<context>
    <name>PdfExport</name>
    <message>
        <source>No font on this computer covers Chinese, so its Chinese text shows as empty boxes in the PDF; install one (for example Noto Sans CJK) and export again.</source>
        <translation>这台电脑上没有支持中文的字体，因此 PDF 中的中文会显示为空白方框；请安装一种中文字体（例如 Noto Sans CJK）后重新导出。</translation>
    </message>
    <message>
        <source>Page {0} of {1}</source>
        <translation>第 {0} 页，共 {1} 页</translation>
    </message>
    <message>
        <source>Model: {0}</source>
        <translation>模型：{0}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Created {0}</source>
        <translation>创建于 {0}</translation>
    </message>
    <message>
        <source>Updated {0}</source>
        <translation>更新于 {0}</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>cut off at the length limit</source>
        <translation>因长度限制而截断</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Reasoning</source>
        <translation>推理过程</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>偏好设置</translation>
    </message>
    <message>
        <source>System ({0})</source>
        <translation>跟随系统（{0}）</translation>
    </message>
    <message>
        <source>A new language applies when desktop-llm is next started.</source>
        <translation>更改的语言将在下次启动 desktop-llm 时生效。</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Ctrl+Enter sends (Enter makes a new line)</source>
        <translation>按 Ctrl+Enter 发送（Enter 换行）</translation>
    </message>
    <message>
        <source>Off: Enter sends and Shift+Enter makes a new line. On: for writing long messages, where Enter should only start a new line.</source>
        <translation>关闭：Enter 发送，Shift+Enter 换行。开启：适合撰写长消息，此时 Enter 只用于换行。</translation>
    </message>
    <message>
        <source>Drop the oldest messages, keep the system prompt</source>
        <translation>丢弃最早的消息，保留系统提示词</translation>
    </message>
    <message>
        <source>Stop and tell me</source>
        <translation>停止并通知我</translation>
    </message>
    <message>
        <source>With the first choice, the messages the model no longer sees are marked in the conversation. A new chat, or a longer context, gives the model room again.</source>
        <translation>选择第一项时，模型已看不到的消息会在对话中标出。开始新对话或使用更长的上下文，可以让模型重新有空间。</translation>
    </message>
    <message>
        <source>When a conversation no longer fits the model&apos;s context</source>
        <translation>当对话超出模型的上下文时</translation>
    </message>
</context>
<context>
    <name>Presets</name>
    <message>
        <source>A preset needs a name.</source>
        <translation>预设需要一个名称。</translation>
    </message>
    <message>
        <source>“{name}” is a built-in preset and cannot be changed: choose another name.</source>
        <translation>“{name}”是内置预设，不能修改：请换一个名称。</translation>
    </message>
    <message>
        <source>“{name}” is a built-in preset and cannot be deleted.</source>
        <translation>“{name}”是内置预设，不能删除。</translation>
    </message>
</context>
<context>
    <name>PromptTemplates</name>
    <message>
        <source>Step by step</source>
        <translation>逐步思考</translation>
    </message>
    <message>
        <source>{{input}}

Think it through step by step, writing out each step of your reasoning. Then give the final answer on a last line that starts with “Answer:”.</source>
        <translation>{{input}}

请一步一步地思考，写出推理的每一步。最后单独一行给出最终答案，以“答案：”开头。</translation>
    </message>
    <message>
        <source>Few-shot: classify</source>
        <translation>少样本：分类</translation>
    </message>
    <message>
        <source>Classify the sentiment of each review as positive, negative or mixed.

Review: The battery lasts two days and the screen is sharp.
Sentiment: positive

Review: It stopped charging after a week and support never answered.
Sentiment: negative

Review: Great sound, but the app keeps crashing.
Sentiment: mixed

Review: {{input}}
Sentiment:</source>
        <translation>判断每条评价的情感：正面、负面或褒贬不一。

评价：电池能用两天，屏幕很清晰。
情感：正面

评价：用了一周就充不进电，客服也一直没回复。
情感：负面

评价：音质很棒，但应用总是崩溃。
情感：褒贬不一

评价：{{input}}
情感：</translation>
    </message>
    <message>
        <source>Summarize</source>
        <translation>总结</translation>
    </message>
    <message>
        <source>Summarize the text below in three short bullet points, then one sentence on what matters most.

{{input}}</source>
        <translation>用三个简短的要点总结下面的文字，再用一句话说明最重要的是什么。

{{input}}</translation>
    </message>
</context>
<context>
    <name>PromptTemplatesDialog</name>
    <message>
        <source>Prompt templates</source>
        <translation>提示词模板</translation>
    </message>
    <message>
        <source>New template</source>
        <translation>新建模板</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>{0} marks where the text of the message box goes when the template is put in (with {1} at the message box); without it, the template goes before that text.</source>
        <translation>插入模板时（在消息框中按 {1}），{0} 标出消息框中的文字放在哪里；没有它时，模板会放在那段文字之前。</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Text:</source>
        <translation>内容：</translation>
    </message>
    <message>
        <source>Every template needs a name.</source>
        <translation>每个模板都需要一个名称。</translation>
    </message>
    <message>
        <source>Two templates are called “{0}”: rename one.</source>
        <translation>有两个模板都叫“{0}”：请重命名其中一个。</translation>
    </message>
</context>
<context>
    <name>Quantization</name>
    <message>
        <source>{bits} bits/weight</source>
        <translation>{bits} 位/权重</translation>
    </message>
    <message>
        <source>{bits}, {trade}</source>
        <translation>{bits}，{trade}</translation>
    </message>
    <message>
        <source>large loss, slower on CPU</source>
        <translation>损失大，CPU 上较慢</translation>
    </message>
    <message>
        <source>large loss, smallest</source>
        <translation>损失大，体积最小</translation>
    </message>
    <message>
        <source>large loss</source>
        <translation>损失大</translation>
    </message>
    <message>
        <source>noticeable loss, slower on CPU</source>
        <translation>损失明显，CPU 上较慢</translation>
    </message>
    <message>
        <source>noticeable loss</source>
        <translation>损失明显</translation>
    </message>
    <message>
        <source>some loss, slower on CPU</source>
        <translation>有一定损失，CPU 上较慢</translation>
    </message>
    <message>
        <source>some loss (older format)</source>
        <translation>有一定损失（旧格式）</translation>
    </message>
    <message>
        <source>some loss</source>
        <translation>有一定损失</translation>
    </message>
    <message>
        <source>good balance</source>
        <translation>均衡之选</translation>
    </message>
    <message>
        <source>small loss (older format)</source>
        <translation>损失小（旧格式）</translation>
    </message>
    <message>
        <source>small loss</source>
        <translation>损失小</translation>
    </message>
    <message>
        <source>very small loss</source>
        <translation>损失很小</translation>
    </message>
    <message>
        <source>nearly lossless</source>
        <translation>几乎无损</translation>
    </message>
    <message>
        <source>the reference</source>
        <translation>基准</translation>
    </message>
</context>
<context>
    <name>Remote</name>
    <message>
        <source>{name} cannot name a remote server: use letters, digits, dots, dashes and underscores (no slash, it separates the server from the model).</source>
        <translation>{name} 不能用作远程服务器的名称：请使用字母、数字、点、连字符和下划线（不能有斜杠，斜杠用于分隔服务器和模型）。</translation>
    </message>
    <message>
        <source>An API key is one word of plain letters, digits and signs; this one has spaces or other characters.</source>
        <translation>API 密钥是由普通字母、数字和符号组成的一个词；这个密钥含有空格或其他字符。</translation>
    </message>
    <message>
        <source>The server at {url} did not answer in time.</source>
        <translation>位于 {url} 的服务器没有及时应答。</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>The server {name} ({url}) has no model {model}. It offers: {models}.</source>
        <translation>服务器 {name}（{url}）没有模型 {model}。它提供：{models}。</translation>
    </message>
    <message>
        <source>No remote server is called {name}. Saved servers: {names}.</source>
        <translation>没有名为 {name} 的远程服务器。已保存的服务器：{names}。</translation>
    </message>
    <message>
        <source>The model {name} was not put to use: another model was chosen meanwhile.</source>
        <translation>模型 {name} 未被启用：在此期间已选择了另一个模型。</translation>
    </message>
    <message>
        <source>The model {name} is not ready yet; wait until it is checked.</source>
        <translation>模型 {name} 尚未就绪；请等待检查完成。</translation>
    </message>
    <message>
        <source>A reply of a model on a remote server cannot be continued where it stopped; regenerate it, or raise its maximum length.</source>
        <translation>远程服务器上模型的回复无法从中断处继续；请重新生成，或调大它的最大长度。</translation>
    </message>
    <message>
        <source>{url} is not a server address: write it like http://gpu-box:8000/v1.</source>
        <translation>{url} 不是服务器地址：请写成类似 http://gpu-box:8000/v1 的形式。</translation>
    </message>
    <message>
        <source>The server at {url} did not finish its answer within {seconds} seconds.</source>
        <translation>位于 {url} 的服务器未能在 {seconds} 秒内完成回答。</translation>
    </message>
    <message>
        <source>The server at {url} sent an answer larger than {size} MB; it was not read.</source>
        <translation>位于 {url} 的服务器发送的回答超过 {size} MB；未读取该回答。</translation>
    </message>
    <message>
        <source>The server at {url} has no list of models (HTTP 404): check the address; it usually ends in /v1.</source>
        <translation>位于 {url} 的服务器没有模型列表（HTTP 404）：请检查地址；它通常以 /v1 结尾。</translation>
    </message>
    <message>
        <source>The server at {url} did not answer like an OpenAI-compatible server.</source>
        <translation>位于 {url} 的服务器的应答不像 OpenAI 兼容服务器。</translation>
    </message>
    <message>
        <source>The server at {url} wants an API key (HTTP {status}); save one with the server&apos;s settings.</source>
        <translation>位于 {url} 的服务器需要 API 密钥（HTTP {status}）；请在该服务器的设置中保存一个。</translation>
    </message>
    <message>
        <source>The server at {url} refused the API key (HTTP {status}): {reason}</source>
        <translation>位于 {url} 的服务器拒绝了 API 密钥（HTTP {status}）：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} has no model {model} (HTTP 404): {reason}</source>
        <translation>位于 {url} 的服务器没有模型 {model}（HTTP 404）：{reason}</translation>
    </message>
    <message>
        <source>The request is too long for the context of the model at {url} (HTTP {status}): {reason}</source>
        <translation>请求太长，超出了 {url} 上模型的上下文（HTTP {status}）：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} rejected the setting {name} (HTTP {status}): {reason}</source>
        <translation>位于 {url} 的服务器拒绝了设置 {name}（HTTP {status}）：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} failed (HTTP {status}): {reason}</source>
        <translation>位于 {url} 的服务器出错（HTTP {status}）：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} refused the request (HTTP {status}): {reason}</source>
        <translation>位于 {url} 的服务器拒绝了请求（HTTP {status}）：{reason}</translation>
    </message>
    <message>
        <source>The server at {url} has a certificate this computer does not trust ({reason}). For a server with its own certificate authority, add that authority to the system&apos;s trusted certificates, or name its file in SSL_CERT_FILE.</source>
        <translation>位于 {url} 的服务器使用了本机不信任的证书（{reason}）。如果服务器使用自己的证书颁发机构，请把该机构加入系统信任的证书，或在 SSL_CERT_FILE 中指定其文件。</translation>
    </message>
    <message>
        <source>The server at {url} could not be reached ({reason}). Check the address and that the server is running.</source>
        <translation>无法连接位于 {url} 的服务器（{reason}）。请检查地址以及服务器是否正在运行。</translation>
    </message>
    <message>
        <source>The server at {url} sent nothing for {seconds} seconds.</source>
        <translation>位于 {url} 的服务器在 {seconds} 秒内没有发送任何内容。</translation>
    </message>
    <message>
        <source>The connection to the server at {url} failed ({reason}).</source>
        <translation>与位于 {url} 的服务器的连接失败（{reason}）。</translation>
    </message>
    <message>
        <source>The remote engine has been shut down.</source>
        <translation>远程引擎已关闭。</translation>
    </message>
    <message>
        <source>The server at {url} stopped sending for {seconds} seconds; the reply was ended and the text above was kept.</source>
        <translation>位于 {url} 的服务器已有 {seconds} 秒没有发送内容；回复已结束，上面的文字已保留。</translation>
    </message>
    <message>
        <source>The server at {url} sent nothing for {seconds} seconds; the reply was ended.</source>
        <translation>位于 {url} 的服务器在 {seconds} 秒内没有发送任何内容；回复已结束。</translation>
    </message>
    <message>
        <source>The server at {url} sent a reply that could not be read ({reason}).</source>
        <translation>位于 {url} 的服务器发送的回复无法读取（{reason}）。</translation>
    </message>
    <message>
        <source>The connection to the server at {url} was cut while it wrote this reply; the text above was kept.</source>
        <translation>在写这条回复时，与位于 {url} 的服务器的连接被切断；上面的文字已保留。</translation>
    </message>
    <message>
        <source>The connection to the server at {url} was cut before this reply began.</source>
        <translation>在这条回复开始之前，与位于 {url} 的服务器的连接就被切断了。</translation>
    </message>
    <message>
        <source>The server at {url} does not count tokens.</source>
        <translation>位于 {url} 的服务器不提供 token 计数。</translation>
    </message>
    <message>
        <source>The server at {url} sent the request elsewhere (HTTP {status} to {location}): change the server&apos;s address in its settings to the new one.</source>
        <translation>位于 {url} 的服务器把请求转到了别处（HTTP {status}，转到 {location}）：请在该服务器的设置中把地址改为新地址。</translation>
    </message>
    <message>
        <source>The server at {url} answered with {kind} instead of a reply (HTTP {status}): check that the address is the server&apos;s API, which usually ends in /v1.</source>
        <translation>位于 {url} 的服务器返回的是 {kind}，而不是回复（HTTP {status}）：请检查该地址是否为服务器的 API，它通常以 /v1 结尾。</translation>
    </message>
    <message>
        <source>no content type</source>
        <translation>未注明内容类型</translation>
    </message>
    <message>
        <source>The server stopped the reply with an error: {reason}</source>
        <translation>服务器因错误停止了回复：{reason}</translation>
    </message>
</context>
<context>
    <name>RemotesDialog</name>
    <message>
        <source>Remote servers</source>
        <translation>远程服务器</translation>
    </message>
    <message>
        <source>Chat with models on OpenAI-compatible servers (vLLM, llama-server, Ollama, …). Their models appear in the model list as NAME/MODEL. Adding a server under a name already saved replaces it, and its API key.</source>
        <translation>与 OpenAI 兼容服务器（vLLM、llama-server、Ollama 等）上的模型聊天。它们的模型以“名称/模型”的形式出现在模型列表中。以已保存的名称再次添加服务器会替换它及其 API 密钥。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>optional; kept in the system keyring</source>
        <translation>可选；保存在系统密钥环中</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <source>saved</source>
        <translation>已保存</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>asking…</source>
        <translation>正在询问…</translation>
    </message>
    <message>
        <source>not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source>1 model</source>
        <translation>1 个模型</translation>
    </message>
    <message>
        <source>{0} models</source>
        <translation>{0} 个模型</translation>
    </message>
    <message>
        <source>Asking the server for its models…</source>
        <translation>正在向服务器询问它的模型…</translation>
    </message>
    <message>
        <source>Saved {0}, but: {1}</source>
        <translation>已保存 {0}，但是：{1}</translation>
    </message>
    <message>
        <source>Saved {0}. Its models: {1}</source>
        <translation>已保存 {0}。它的模型：{1}</translation>
    </message>
    <message>
        <source>No system keyring is available: the API key is kept only until the app quits.</source>
        <translation>没有可用的系统密钥环：API 密钥只保留到应用退出为止。</translation>
    </message>
</context>
<context>
    <name>SearchField</name>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Search titles and messages of all conversations</source>
        <translation>搜索所有对话的标题和消息</translation>
    </message>
</context>
<context>
    <name>SearchHitDelegate</name>
    <message>
        <source>Matched in the title</source>
        <translation>标题中匹配</translation>
    </message>
    <message>
        <source>You: </source>
        <translation>你：</translation>
    </message>
    <message>
        <source>Assistant: </source>
        <translation>助手：</translation>
    </message>
</context>
<context>
    <name>Serve</name>
    <message>
        <source>Serving on {host} would open the model to other machines: set an API key, or serve on 127.0.0.1.</source>
        <translation>在 {host} 上提供服务会把模型开放给其他机器：请设置 API 密钥，或在 127.0.0.1 上提供服务。</translation>
    </message>
    <message>
        <source>The port {port} is not between 0 and 65535.</source>
        <translation>端口 {port} 不在 0 到 65535 之间。</translation>
    </message>
    <message>
        <source>The API server could not start: {reason}</source>
        <translation>API 服务器无法启动：{reason}</translation>
    </message>
    <message>
        <source>it did not answer in time.</source>
        <translation>它没有及时响应。</translation>
    </message>
    <message>
        <source>Could not listen on {host}:{port}: {reason}.</source>
        <translation>无法在 {host}:{port} 上监听：{reason}。</translation>
    </message>
    <message>
        <source>Type the address to listen on, or choose one.</source>
        <translation>请输入要监听的地址，或选择一个。</translation>
    </message>
    <message>
        <source>An API key is one word of plain letters, digits and signs; this one has spaces or other characters.</source>
        <translation>API 密钥是由普通字母、数字和符号组成的一个词；这个密钥含有空格或其他字符。</translation>
    </message>
    <message>
        <source>{origin} is not a web origin: write it as scheme://host or scheme://host:port, like https://example.com (no path).</source>
        <translation>{origin} 不是网页来源：请写成 scheme://host 或 scheme://host:port，例如 https://example.com（不带路径）。</translation>
    </message>
</context>
<context>
    <name>ServeSettingsDialog</name>
    <message>
        <source>API server settings</source>
        <translation>API 服务器设置</translation>
    </message>
    <message>
        <source>Settings &gt; Serve the loaded model answers OpenAI API requests from other programs with the model loaded here. Changes made while serving restart the server.</source>
        <translation>“设置 &gt; 提供已加载模型的服务”会用这里加载的模型响应其他程序的 OpenAI API 请求。服务期间所做的更改会重启服务器。</translation>
    </message>
    <message>
        <source>This computer only</source>
        <translation>仅限本机</translation>
    </message>
    <message>
        <source>Other computers on the network</source>
        <translation>网络上的其他计算机</translation>
    </message>
    <message>
        <source>Only through this address:</source>
        <translation>仅通过此地址：</translation>
    </message>
    <message>
        <source>Any free port</source>
        <translation>任意空闲端口</translation>
    </message>
    <message>
        <source>none; needed for other computers</source>
        <translation>无；允许其他计算机连接时必须设置</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Put a new random key in the field</source>
        <translation>在输入框中填入一个新的随机密钥</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the key, to give it to a program</source>
        <translation>复制密钥，以便提供给其他程序</translation>
    </message>
    <message>
        <source>https://example.com, one per line or separated by commas. None: web pages may not call the API.</source>
        <translation>https://example.com，每行一个或用逗号分隔。留空：网页不能调用此 API。</translation>
    </message>
    <message>
        <source>Save API chats in the history</source>
        <translation>将 API 对话保存到历史记录</translation>
    </message>
    <message>
        <source>Copy the address</source>
        <translation>复制地址</translation>
    </message>
    <message>
        <source>Who may connect:</source>
        <translation>谁可以连接：</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <source>Allowed web origins (CORS):</source>
        <translation>允许的网页来源（CORS）：</translation>
    </message>
    <message>
        <source>Programs connect to:</source>
        <translation>程序连接地址：</translation>
    </message>
    <message>
        <source>Kept in the system keyring, not in the settings file.</source>
        <translation>保存在系统密钥环中，不写入设置文件。</translation>
    </message>
    <message>
        <source>No system keyring is available: the API key is kept only until the app quits.</source>
        <translation>没有可用的系统密钥环：API 密钥只保留到应用退出为止。</translation>
    </message>
    <message>
        <source>the port chosen when it starts</source>
        <translation>启动时选定的端口</translation>
    </message>
</context>
<context>
    <name>Storage</name>
    <message>
        <source>Could not create the instance lock next to {path}: {problem}.</source>
        <translation>无法在 {path} 旁边创建实例锁：{problem}。</translation>
    </message>
    <message>
        <source>Message {id} does not exist; it or its conversation may have been deleted.</source>
        <translation>消息 {id} 不存在；它或它所在的对话可能已被删除。</translation>
    </message>
    <message>
        <source>Reply {id} is no longer streaming (finished as {reason}); it cannot be updated.</source>
        <translation>回复 {id} 已不在生成中（结束方式：{reason}）；无法再更新。</translation>
    </message>
    <message>
        <source>Reply {id} is still being written; wait for it.</source>
        <translation>回复 {id} 仍在生成中；请等待它完成。</translation>
    </message>
    <message>
        <source>Could not clean up {folder}: {problem}.</source>
        <translation>无法清理 {folder}：{problem}。</translation>
    </message>
    <message>
        <source>Conversation {id} does not exist; it may have been deleted.</source>
        <translation>对话 {id} 不存在；它可能已被删除。</translation>
    </message>
    <message>
        <source>{label} was written by a newer version of desktop-llm (history schema version {version}; this version knows up to {known}). Update desktop-llm to open it.</source>
        <translation>{label} 由更新版本的 desktop-llm 写入（聊天记录结构版本 {version}；此版本最多只认识版本 {known}）。请更新 desktop-llm 后再打开。</translation>
    </message>
    <message>
        <source>{label} is not a desktop-llm history database (it holds other tables).</source>
        <translation>{label} 不是 desktop-llm 的聊天记录数据库（其中有其他表）。</translation>
    </message>
    <message>
        <source>desktop-llm needs SQLite 3.34 or newer to search conversations; this Python has SQLite {version}. Install a newer Python (the python.org installers include a recent SQLite); your history is unchanged.</source>
        <translation>desktop-llm 需要 SQLite 3.34 或更高版本才能搜索对话；此 Python 的 SQLite 版本为 {version}。请安装更新的 Python（python.org 的安装程序包含较新的 SQLite）；你的聊天记录没有任何改动。</translation>
    </message>
    <message>
        <source>Could not create the folder for the history database {path}: {problem}.</source>
        <translation>无法为聊天记录数据库 {path} 创建文件夹：{problem}。</translation>
    </message>
    <message>
        <source>{path} is not a desktop-llm history database (file is not a database).</source>
        <translation>{path} 不是 desktop-llm 的聊天记录数据库（文件不是数据库）。</translation>
    </message>
    <message>
        <source>Could not open the history database {path}: {problem}.</source>
        <translation>无法打开聊天记录数据库 {path}：{problem}。</translation>
    </message>
    <message>
        <source>Could not read the chat history ({problem}).</source>
        <translation>无法读取聊天记录（{problem}）。</translation>
    </message>
    <message>
        <source>Could not save to the chat history ({problem}).</source>
        <translation>无法保存到聊天记录（{problem}）。</translation>
    </message>
    <message>
        <source>The chat history database is already closed.</source>
        <translation>聊天记录数据库已经关闭。</translation>
    </message>
</context>
<context>
    <name>TemplateMenu</name>
    <message>
        <source>Templates</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>No templates yet</source>
        <translation>还没有模板</translation>
    </message>
    <message>
        <source>Edit templates…</source>
        <translation>编辑模板…</translation>
    </message>
</context>
<context>
    <name>TranscriptView</name>
    <message>
        <source>{0} tokens</source>
        <translation>{0} 个 token</translation>
    </message>
    <message>
        <source>{0} tok/s</source>
        <translation>{0} token/秒</translation>
    </message>
    <message>
        <source>{0} s to first token</source>
        <translation>首个 token 用时 {0} 秒</translation>
    </message>
    <message>
        <source>Ask the model anything. Everything stays on this computer.</source>
        <translation>向模型提出任何问题。所有内容都只保存在这台电脑上。</translation>
    </message>
    <message>
        <source>Show earlier messages ({0} more)</source>
        <translation>显示更早的消息（还有 {0} 条）</translation>
    </message>
    <message>
        <source>writing…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>interrupted: the app closed before this reply finished</source>
        <translation>已中断：应用在这条回复完成前关闭了</translation>
    </message>
    <message>
        <source>cut off at the length limit</source>
        <translation>因长度限制而截断</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>no longer in the model&apos;s context</source>
        <translation>已不在模型的上下文中</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Reasoning</source>
        <translation>推理过程</translation>
    </message>
    <message>
        <source>{0} words</source>
        <translation>{0} 个词</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>TransferActions</name>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>Web page (HTML)</source>
        <translation>网页 (HTML)</translation>
    </message>
    <message>
        <source>JSON (every branch)</source>
        <translation>JSON（包含所有分支）</translation>
    </message>
    <message>
        <source>Plain text</source>
        <translation>纯文本</translation>
    </message>
    <message>
        <source>PDF</source>
        <translation>PDF</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Exporting to {0}…</source>
        <translation>正在导出到 {0}…</translation>
    </message>
    <message>
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
    <message>
        <source>Exported {0} conversations to {1}</source>
        <translation>已将 {0} 个对话导出到 {1}</translation>
    </message>
    <message>
        <source>Back up all conversations</source>
        <translation>备份所有对话</translation>
    </message>
    <message>
        <source>Zip archive (*.zip)</source>
        <translation>Zip 压缩包 (*.zip)</translation>
    </message>
    <message>
        <source>Backing up to {0}…</source>
        <translation>正在备份到 {0}…</translation>
    </message>
    <message>
        <source>Backed up 1 conversation to {0}</source>
        <translation>已将 1 个对话备份到 {0}</translation>
    </message>
    <message>
        <source>Backed up {0} conversations to {1}</source>
        <translation>已将 {0} 个对话备份到 {1}</translation>
    </message>
    <message>
        <source>Import conversations</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Conversations and backups (*.json *.zip)</source>
        <translation>对话和备份 (*.json *.zip)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Importing {0}…</source>
        <translation>正在导入 {0}…</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>Backing up… {0}/{1}</source>
        <translation>正在备份… {0}/{1}</translation>
    </message>
    <message>
        <source>Importing… {0} conversations read</source>
        <translation>正在导入… 已读取 {0} 个对话</translation>
    </message>
</context>
</TS>
