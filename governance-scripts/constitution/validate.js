
// Part 3 of 5: validate(proposal) checks every action exists and its
// arguments pass its checks; the description names the action, its position
// and the argument at fault.
export function validate(input) {
  const proposal = JSON.parse(input);
  const errors = [];
  let position = 0;
  for (const action of proposal["actions"]) {
    const definition = actions.get(action.name);
    if (definition) {
      try {
        definition.validate(action.args);
      } catch (e) {
        errors.push(
          `${action.name} at position ${position} failed validation: ${e}`,
        );
      }
    } else {
      errors.push(`${action.name}: no such action`);
    }
    position++;
  }
  return { valid: errors.length === 0, description: errors.join(", ") };
}
