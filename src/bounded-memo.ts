/**
 * A bounded memo of a function of a string. Two generations instead of evicting the oldest
 * key one by one: deleting from the front of a Map leaves holes that `keys().next()` walks past,
 * which cost more than the parse it saves (bench/.build/tools: 7.5-8.6 vs 4.6 µs per new number).
 * A key is remembered for between one and two generations of other keys.
 */
export function boundedMemo<T>(compute: (key: string) => T, generationSize = 10_000) {
  let recent = new Map<string, T>();
  let older = new Map<string, T>();
  const remember = (key: string, value: T) => {
    if (recent.size >= generationSize) {
      older = recent;
      recent = new Map();
    }
    recent.set(key, value);
    return value;
  };
  const get = (key: string): T => {
    const known = recent.get(key) ?? older.get(key);
    return known !== undefined ? known : remember(key, compute(key));
  };
  /** Whether the key is remembered, without computing it. */
  const has = (key: string) => recent.has(key) || older.has(key);
  return { get, remember, has };
}
