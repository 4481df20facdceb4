/**
 * The package's name and version, as in package.json (test/graph/metadata.test.ts keeps them equal).
 * A constant rather than a read of package.json so that the graph builder also runs in the browser.
 */
export const PACKAGE_NAME = 'onnx-lenet';
export const PACKAGE_VERSION = '0.1.0';
