export { checkOptions, type OptionName, type OptionTable, type Refusal } from './check-options.js';
