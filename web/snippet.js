import * as ort from 'https://cdn.jsdelivr.net/npm/onnxruntime-web@1.30.0/dist/ort.min.mjs';

// lenet.onnx: input `image` float32 [N,1,28,28] in [0,1]; outputs `logits`, `probabilities` [N,10].
const session = await ort.InferenceSession.create('lenet.onnx');

// pixels: Float32Array(784), a 28×28 digit as white ink on black, values in [0,1] (like MNIST).
async function classify(pixels) {
  const image = new ort.Tensor('float32', pixels, [1, 1, 28, 28]);
  const { probabilities } = await session.run({ image });
  const p = Array.from(probabilities.data);
  return { digit: p.indexOf(Math.max(...p)), probabilities: p };
}
