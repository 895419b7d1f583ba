/**
 * Kept only for imports that predate the one playbook table: the classification lives in `./playbooks`
 * (`detectedBy` of each playbook). Import from there.
 */
export { isTransientStartError, playbookForError } from './playbooks';
