// A stable dependency order for the resolved elements. DIB hands elements around as a Python
// set, so anything that depends on element order (top-level files in the hooks tree, which
// block-device-*.yaml wins) changed between runs; this order is a pure function of the input.

/**
 * Order `names` (requested elements first, then the rest in discovery order) so that each
 * element comes after its dependencies: a depth-first walk from each name in turn, following
 * deps in element-deps order, emitting an element once its deps are out. A cycle is cut where
 * the walk meets an element it is still inside, so the element entered first comes out last.
 * Dependencies outside `names` are ignored.
 */
export function orderElements(
  names: readonly string[],
  depsOf: (name: string) => readonly string[],
): string[] {
  const known = new Set(names)
  // Entered elements, whether finished or still on the walk's path (which is what cuts cycles).
  const entered = new Set<string>()
  const order: string[] = []

  const visit = (name: string): void => {
    if (entered.has(name)) return
    entered.add(name)
    for (const dep of depsOf(name)) if (known.has(dep)) visit(dep)
    order.push(name)
  }

  for (const name of names) visit(name)
  return order
}
