// The chapter's section 1.1 (Tensor) in TypeScript-flavoured JavaScript:
// run with `npm run example` after `bash scripts/setup.sh`.
const torch = require("..");

torch.manualSeed(0);
const x = torch.empty(5, 3);              // torch.Tensor(5, 3): uninitialised
console.log("x.size():", x.size());

const a = torch.rand(5, 3);
const b = torch.rand(5, 3);
console.log("a + b =\n" + a.add(b));

const result = torch.empty(5, 3);
torch.add(a, b, { out: result });         // torch.add(x, y, out=result)
b.add_(a);                                // in place: y.add_(x)
console.log("b after add_ equals result:", torch.equal(b, result));

console.log("a[:, 1] =", a.index(":", 1).toString());

const ones = torch.ones(5);
const arr = ones.numpy();                 // shares memory, like .numpy()
ones.add_(1);
console.log("typed array after ones.add_(1):", Array.from(arr));

const f = new Float64Array([1, 1, 1]);
const t = torch.fromNumpy(f);             // shares memory, like torch.from_numpy
f[0] = 5;
console.log("tensor after changing the typed array:", t.toString());

const w = torch.randn(3, 2);
console.log("a @ w =\n" + a.matmul(w));
console.log("matmul uses:", torch.backends.cpu.matmulImpl(), "| threads:", torch.getNumThreads());
