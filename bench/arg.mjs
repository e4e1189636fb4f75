// `--name VALUE` from the command line, or `def`: the benches' one way of reading their options.
export const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
